//! Files a user can point elsewhere (config, CA bundle, AWS files, web identity token): a FIFO
//! or a device there is a clear error, never a hang.
