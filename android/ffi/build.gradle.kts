// The Rust core for Android: cargo-ndk builds mobile-ffi for each ABI into jniLibs, then the
// host-built uniffi-bindgen generates the Kotlin bindings from one of those libraries (library
// mode), so the bindings always match the library they ship with. Nothing generated is
// committed.
import javax.inject.Inject

plugins {
    alias(libs.plugins.android.library)
    alias(libs.plugins.kotlin.android)
}

/** The Cargo workspace: the repository root, one level above android/. */
val cargoWorkspace: File = rootDir.parentFile
val rustAbis = listOf("arm64-v8a", "armeabi-v7a", "x86_64")

android {
    namespace = "org.panjiyan.ffi"
    compileSdk = libs.versions.compileSdk.get().toInt()
    ndkVersion = libs.versions.ndk.get()
    defaultConfig {
        minSdk = libs.versions.minSdk.get().toInt()
        consumerProguardFiles("consumer-rules.pro")
    }
    compileOptions {
        sourceCompatibility = JavaVersion.VERSION_17
        targetCompatibility = JavaVersion.VERSION_17
    }
}

kotlin {
    compilerOptions { jvmTarget.set(org.jetbrains.kotlin.gradle.dsl.JvmTarget.JVM_17) }
}

/** `cargo ndk … build --release -p panjiyan-ffi` for every ABI, into one jniLibs tree. */
abstract class CargoNdkBuild : DefaultTask() {
    @get:Inject abstract val exec: ExecOperations
    @get:Input abstract val abis: ListProperty<String>
    @get:Input abstract val minSdk: Property<Int>
    @get:Internal abstract val workspace: DirectoryProperty
    @get:Internal abstract val ndkDirectory: DirectoryProperty
    @get:InputFiles @get:PathSensitive(PathSensitivity.RELATIVE) abstract val sources: ConfigurableFileCollection
    @get:OutputDirectory abstract val outputDir: DirectoryProperty

    @TaskAction
    fun build() {
        val out = outputDir.get().asFile
        out.deleteRecursively()
        exec.exec {
            workingDir = workspace.get().asFile
            environment("ANDROID_NDK_HOME", ndkDirectory.get().asFile.path)
            commandLine(
                listOf("cargo", "ndk") + abis.get().flatMap { listOf("-t", it) } +
                    listOf("--platform", minSdk.get().toString(), "-o", out.path, "build", "--release", "-p", "panjiyan-ffi"),
            )
        }
    }
}

/** `uniffi-bindgen generate --library … --language kotlin`, with the bindgen pinned in the workspace. */
abstract class UniffiBindings : DefaultTask() {
    @get:Inject abstract val exec: ExecOperations
    @get:Internal abstract val workspace: DirectoryProperty
    @get:InputFile @get:PathSensitive(PathSensitivity.NONE) abstract val library: RegularFileProperty
    @get:OutputDirectory abstract val outputDir: DirectoryProperty

    @TaskAction
    fun generate() {
        val out = outputDir.get().asFile
        out.deleteRecursively()
        exec.exec {
            workingDir = workspace.get().asFile
            commandLine(
                "cargo", "run", "--quiet", "-p", "panjiyan-ffi", "--features", "bindgen", "--bin", "uniffi-bindgen", "--",
                "generate", "--library", library.get().asFile.path, "--language", "kotlin",
                "--out-dir", out.path, "--no-format",
            )
        }
    }
}

val cargoNdk = tasks.register<CargoNdkBuild>("cargoNdkBuild") {
    group = "build"
    description = "Builds the Rust core (mobile-ffi) for ${rustAbis.joinToString()} with cargo-ndk"
    abis.set(rustAbis)
    minSdk.set(libs.versions.minSdk.get().toInt())
    workspace.set(cargoWorkspace)
    ndkDirectory.set(androidComponents.sdkComponents.ndkDirectory)
    sources.from(
        fileTree(cargoWorkspace) {
            include("Cargo.toml", "Cargo.lock", "core/**", "mobile-ffi/**", "migrations/device/**")
            exclude("**/target/**")
        },
    )
    outputDir.set(layout.buildDirectory.dir("rust/jniLibs"))
}

val uniffiBindings = tasks.register<UniffiBindings>("uniffiBindings") {
    group = "build"
    description = "Generates the Kotlin bindings from the built Rust library"
    workspace.set(cargoWorkspace)
    library.set(cargoNdk.flatMap { it.outputDir.file("arm64-v8a/libpanjiyan_ffi.so") })
    outputDir.set(layout.buildDirectory.dir("generated/source/uniffi"))
}

androidComponents {
    onVariants { variant ->
        variant.sources.jniLibs?.addGeneratedSourceDirectory(cargoNdk, CargoNdkBuild::outputDir)
        variant.sources.kotlin?.addGeneratedSourceDirectory(uniffiBindings, UniffiBindings::outputDir)
    }
}

dependencies {
    // The Android build of JNA carries libjnidispatch.so for every ABI.
    api(libs.jna) { artifact { type = "aar" } }
}
