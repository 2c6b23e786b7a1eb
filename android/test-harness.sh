# Shared by jvm-tests/run and desktop/run (sourced, not run): builds the Rust library for the
# host, generates the Kotlin bindings from it (library mode, never committed), and starts a
# real server with a small synthetic district and known test users, stopped on exit.
# Callers set `root`, and may set `packages` (extra Debian packages the tests need).

# Installs what is missing from Debian's packages: a JDK, Maven and the caller's `packages`.
install_missing() {
    local missing=("$@")
    command -v mvn >/dev/null || missing+=(maven)
    command -v javac >/dev/null || missing+=(default-jdk-headless)
    if [ ${#missing[@]} -gt 0 ]; then
        echo "android tests: installing ${missing[*]} from Debian's packages" >&2
        export DEBIAN_FRONTEND=noninteractive
        apt-get update -qq >&2
        apt-get install -y -qq "${missing[@]}" >&2
    fi
}

# Builds the library and the server, and generates the bindings into $1.
build_library_and_bindings() {
    local bindings=$1
    target_dir=${CARGO_TARGET_DIR:-$root/target}
    (cd "$root" && cargo build --quiet -p panjiyan-ffi -p panjiyan-server &&
        cargo build --quiet -p panjiyan-ffi --features bindgen --bin uniffi-bindgen)
    rm -rf "$bindings"
    "$target_dir/debug/uniffi-bindgen" generate --library "$target_dir/debug/libpanjiyan_ffi.so" --language kotlin \
        --out-dir "$bindings" --no-format >/dev/null
}

# Starts the server on a free port of 127.0.0.1; sets `url`. Users operator and officer,
# password jvm-test-password, jurisdiction 401.
start_test_server() {
    work=$(mktemp -d /tmp/panjiyan-android-tests.XXXXXX)
    server_pid=
    trap 'stop_test_server' EXIT
    local srv=("$target_dir/debug/panjiyan-server" --database-url "sqlite:$work/server.db")
    RUST_LOG=warn "${srv[@]}" generate --out "$work" --seed 11 --blocks 1 >/dev/null
    RUST_LOG=warn "${srv[@]}" import-locations "$work/locations.csv" >/dev/null
    RUST_LOG=warn "${srv[@]}" import-samagra "$work/samagra.jsonl" >/dev/null 2>&1
    echo "jvm-test-password" | RUST_LOG=warn "${srv[@]}" user add --username operator --role operator --jurisdiction 401 >/dev/null
    echo "jvm-test-password" | RUST_LOG=warn "${srv[@]}" user add --username officer --role district-admin --jurisdiction 401 >/dev/null
    RUST_LOG=warn "${srv[@]}" serve --listen 127.0.0.1:0 >"$work/serve.out" 2>"$work/serve.err" &
    server_pid=$!
    url=
    for _ in $(seq 1 100); do
        url=$(grep -o 'http://127.0.0.1:[0-9]*' "$work/serve.out" 2>/dev/null | head -n 1 || true)
        [ -n "$url" ] && break
        sleep 0.1
    done
    if [ -z "$url" ]; then
        cat "$work/serve.err" >&2
        echo "android tests: the server did not start" >&2
        exit 1
    fi
}

stop_test_server() {
    if [ -n "${server_pid:-}" ]; then kill "$server_pid" 2>/dev/null || true; fi
    rm -rf "${work:-}"
}
