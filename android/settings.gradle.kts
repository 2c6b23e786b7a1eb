// The Android app: `app` (the thin Android shell: activity, WorkManager worker, Keystore),
// `ui` (the screens and state holders, the same sources the desktop tests compile with Maven)
// and `ffi` (the Rust core built with cargo-ndk, and its uniffi Kotlin bindings generated
// from the built library).
pluginManagement {
    repositories {
        google()
        mavenCentral()
        gradlePluginPortal()
    }
}

dependencyResolutionManagement {
    repositoriesMode.set(RepositoriesMode.FAIL_ON_PROJECT_REPOS)
    repositories {
        google()
        mavenCentral()
    }
}

rootProject.name = "panjiyan-android"
include(":app", ":ui", ":ffi")
