//! `configure` edits a file people care about, possibly as root on another user's file.
