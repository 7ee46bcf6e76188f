//! What the helper starts (a profile's `credential_process`) does not outlive it.
