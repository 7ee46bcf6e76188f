//! What the cache trusts on disk: only files it made, for the registry and identity asked for,
//! never past ECR's 12-hour lifetime, and never anything else in its directory.
