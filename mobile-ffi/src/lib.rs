//! The Kotlin-facing surface of panjiyan-core. Empty until the mobile-ffi issue lands: the
//! crate exists so the workspace layout is the final one from the first commit.
