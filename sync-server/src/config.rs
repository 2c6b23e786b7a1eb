//! The configuration file (`--config FILE`, TOML): its settings are the command line's, by
//! their long names (`listen = "0.0.0.0:8080"`, `trusted-proxy = ["127.0.0.1"]`). Flags beat
//! environment variables, which beat the file, which beats the defaults; `report` says what
//! each setting is and where it came from, secrets masked.

use clap::parser::ValueSource;
use std::collections::BTreeSet;
use std::ffi::OsString;

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("cannot read the configuration file {file}: {reason}")]
    Unreadable { file: String, reason: String },
    #[error("{file} is not TOML: {reason}")]
    NotToml { file: String, reason: String },
    #[error("{file}: {key:?} is not a setting of {command} (the settings are: {known})")]
    UnknownSetting {
        file: String,
        key: String,
        command: String,
        known: String,
    },
    #[error("{file}: {key} must be a string, number, true/false or a list of them")]
    BadValue { file: String, key: String },
}

/// Where a setting's value came from, as `report` prints it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    Default,
    File,
    Environment,
    CommandLine,
}

impl Source {
    pub fn as_str(self) -> &'static str {
        match self {
            Source::Default => "default",
            Source::File => "config file",
            Source::Environment => "environment",
            Source::CommandLine => "command line",
        }
    }
}

/// The command line with the file's settings put in: right after the subcommand's name, and
/// only those that neither a flag nor an environment variable sets. Returns the arguments and
/// the names of the settings the file gave.
pub fn with_file(
    cli: &clap::Command,
    args: Vec<OsString>,
    file: &str,
    text: &str,
    env: &dyn Fn(&std::ffi::OsStr) -> bool,
) -> Result<(Vec<OsString>, BTreeSet<String>), ConfigError> {
    let table: toml::Table = text
        .parse()
        .map_err(|e: toml::de::Error| ConfigError::NotToml {
            file: file.to_owned(),
            reason: e.message().to_owned(),
        })?;
    // The subcommand named on the command line (the file's settings are its own).
    let position = args
        .iter()
        .position(|a| cli.get_subcommands().any(|s| a == s.get_name()))
        .unwrap_or(args.len().saturating_sub(1));
    let sub_name = args.get(position).and_then(|a| a.to_str()).unwrap_or("");
    let sub = cli.find_subcommand(sub_name).unwrap_or(cli);
    let settable: Vec<&clap::Arg> = cli
        .get_arguments()
        .chain(sub.get_arguments())
        .filter(|a| a.get_long().is_some_and(|l| l != "config" && l != "help"))
        .collect();
    let given = |long: &str| {
        args.iter().any(|a| {
            a.to_str().is_some_and(|a| {
                a.strip_prefix("--")
                    .is_some_and(|a| a == long || a.starts_with(&format!("{long}=")))
            })
        })
    };
    let mut inserted = Vec::new();
    let mut from_file = BTreeSet::new();
    for (key, value) in &table {
        let long = key.replace('_', "-");
        let Some(arg) = settable
            .iter()
            .find(|a| a.get_long() == Some(long.as_str()))
        else {
            // One file serves every command: `migrate` or `backup` take its database-url
            // and pass over the settings only `serve` has.
            let anyones = cli
                .get_subcommands()
                .flat_map(|c| c.get_arguments())
                .any(|a| a.get_long() == Some(long.as_str()));
            if anyones {
                continue;
            }
            return Err(ConfigError::UnknownSetting {
                file: file.to_owned(),
                key: key.clone(),
                command: sub.get_name().to_owned(),
                known: settable
                    .iter()
                    .filter_map(|a| a.get_long())
                    .collect::<Vec<_>>()
                    .join(", "),
            });
        };
        if given(&long) || arg.get_env().is_some_and(env) {
            continue;
        }
        let bad = || ConfigError::BadValue {
            file: file.to_owned(),
            key: key.clone(),
        };
        let scalar = |v: &toml::Value| match v {
            toml::Value::String(s) => Some(s.clone()),
            toml::Value::Integer(i) => Some(i.to_string()),
            toml::Value::Float(f) => Some(f.to_string()),
            toml::Value::Boolean(b) => Some(b.to_string()),
            _ => None,
        };
        let takes_value = arg.get_action().takes_values();
        match value {
            toml::Value::Boolean(on) if !takes_value => {
                if *on {
                    inserted.push(OsString::from(format!("--{long}")));
                }
            }
            toml::Value::Array(items) => {
                for item in items {
                    let v = scalar(item).ok_or_else(bad)?;
                    inserted.push(OsString::from(format!("--{long}={v}")));
                }
            }
            v => {
                let v = scalar(v).ok_or_else(bad)?;
                inserted.push(OsString::from(format!("--{long}={v}")));
            }
        }
        from_file.insert(arg.get_id().to_string());
    }
    let mut out = args;
    let at = (position + 1).min(out.len());
    out.splice(at..at, inserted);
    Ok((out, from_file))
}

/// Every setting of the subcommand that ran, with its value and where it came from; secrets
/// (tokens, keys, passwords in URLs) masked.
pub fn report(
    cli: &clap::Command,
    matches: &clap::ArgMatches,
    from_file: &BTreeSet<String>,
) -> Vec<(String, String, Source)> {
    let mut out = Vec::new();
    let mut add = |cmd: &clap::Command, m: &clap::ArgMatches| {
        for arg in cmd.get_arguments() {
            let id = arg.get_id().as_str();
            let Some(long) = arg.get_long() else { continue };
            if long == "help" || long == "version" {
                continue;
            }
            let value = m
                .get_raw(id)
                .map(|vals| {
                    vals.map(|v| v.to_string_lossy().into_owned())
                        .collect::<Vec<_>>()
                        .join(",")
                })
                .unwrap_or_default();
            let source = match m.value_source(id) {
                _ if from_file.contains(id) => Source::File,
                Some(ValueSource::EnvVariable) => Source::Environment,
                Some(ValueSource::CommandLine) => Source::CommandLine,
                _ => Source::Default,
            };
            if out.iter().any(|(name, _, _)| name == long) {
                continue;
            }
            out.push((long.to_owned(), masked(long, &value), source));
        }
    };
    add(cli, matches);
    if let Some((name, sub_matches)) = matches.subcommand()
        && let Some(sub) = cli.find_subcommand(name)
    {
        add(sub, sub_matches);
    }
    out
}

/// A value as it may be printed: secrets shown only as set or not, URLs without passwords.
fn masked(name: &str, value: &str) -> String {
    if value.is_empty() {
        return String::new();
    }
    if name.contains("token") || name.contains("password") || name.contains("secret") {
        return "(set, not shown)".into();
    }
    if value.contains("://")
        && let Some((scheme, rest)) = value.split_once("://")
        && let Some((userinfo, host)) = rest.split_once('@')
    {
        let user = userinfo.split(':').next().unwrap_or_default();
        let hidden = if userinfo.contains(':') { ":…" } else { "" };
        return format!("{scheme}://{user}{hidden}@{host}");
    }
    value.to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::{Arg, ArgAction, Command};

    fn cli() -> Command {
        Command::new("p")
            .arg(Arg::new("config").long("config").global(true))
            .arg(
                Arg::new("database_url")
                    .long("database-url")
                    .global(true)
                    .env("P_DB")
                    .default_value("sqlite:x.db"),
            )
            .subcommand(
                Command::new("serve")
                    .arg(
                        Arg::new("listen")
                            .long("listen")
                            .default_value("127.0.0.1:8080"),
                    )
                    .arg(Arg::new("demo").long("demo").action(ArgAction::SetTrue))
                    .arg(
                        Arg::new("trusted_proxies")
                            .long("trusted-proxy")
                            .action(ArgAction::Append),
                    )
                    .arg(
                        Arg::new("metrics_token")
                            .long("metrics-token")
                            .env("P_TOKEN"),
                    ),
            )
    }

    fn args(a: &[&str]) -> Vec<OsString> {
        a.iter().map(OsString::from).collect()
    }

    #[test]
    fn flags_beat_the_environment_which_beats_the_file() {
        let file = r#"
listen = "0.0.0.0:9000"
demo = true
trusted_proxy = ["127.0.0.1", "10.0.0.0/8"]
database-url = "postgres://panjiyan:secret@db/panjiyan"
metrics-token = "from-file"
"#;
        let env_has_token = |name: &std::ffi::OsStr| name == "P_TOKEN";
        let (full, from_file) = with_file(
            &cli(),
            args(&["p", "serve", "--listen", "127.0.0.1:1"]),
            "f.toml",
            file,
            &env_has_token,
        )
        .unwrap();
        let m = cli().get_matches_from(&full);
        let (_, serve) = m.subcommand().unwrap();
        assert_eq!(serve.get_one::<String>("listen").unwrap(), "127.0.0.1:1");
        assert!(serve.get_flag("demo"));
        let proxies: Vec<&String> = serve.get_many("trusted_proxies").unwrap().collect();
        assert_eq!(proxies, ["127.0.0.1", "10.0.0.0/8"]);
        assert_eq!(
            m.get_one::<String>("database_url").unwrap(),
            "postgres://panjiyan:secret@db/panjiyan"
        );
        assert!(!from_file.contains("metrics_token"), "the environment wins");
        assert!(!from_file.contains("listen"), "the flag wins");
        let shown = report(&cli(), &m, &from_file);
        let get = |n: &str| shown.iter().find(|(name, _, _)| name == n).unwrap().clone();
        assert_eq!(get("listen").2, Source::CommandLine);
        assert_eq!(get("demo").2, Source::File);
        assert_eq!(
            get("database-url").1,
            "postgres://panjiyan:…@db/panjiyan",
            "no password printed"
        );
        assert_eq!(get("database-url").2, Source::File);
    }

    #[test]
    fn a_misspelt_setting_is_named_with_the_ones_there_are() {
        let e = with_file(
            &cli(),
            args(&["p", "serve"]),
            "f.toml",
            "lisen = \"x\"",
            &|_| false,
        )
        .unwrap_err()
        .to_string();
        assert!(e.contains("\"lisen\"") && e.contains("listen"), "{e}");
        let e = with_file(
            &cli(),
            args(&["p", "serve"]),
            "f.toml",
            "listen = ",
            &|_| false,
        )
        .unwrap_err()
        .to_string();
        assert!(e.contains("is not TOML"), "{e}");
        let e = with_file(
            &cli(),
            args(&["p", "serve"]),
            "f.toml",
            "[listen]\na = 1",
            &|_| false,
        )
        .unwrap_err()
        .to_string();
        assert!(e.contains("must be a string"), "{e}");
    }

    #[test]
    fn other_commands_take_the_settings_they_have_from_the_same_file() {
        let cli = cli().subcommand(Command::new("migrate"));
        let file = "listen = \"0.0.0.0:9000\"\ndatabase-url = \"sqlite:f.db\"";
        let (full, _) =
            with_file(&cli, args(&["p", "migrate"]), "f.toml", file, &|_| false).unwrap();
        let m = cli.get_matches_from(&full);
        assert_eq!(m.get_one::<String>("database_url").unwrap(), "sqlite:f.db");
        assert_eq!(m.subcommand_name(), Some("migrate"));
    }

    #[test]
    fn secrets_are_masked() {
        assert_eq!(masked("metrics-token", "abc"), "(set, not shown)");
        assert_eq!(masked("sms-inbound-secret", "abc"), "(set, not shown)");
        assert_eq!(masked("metrics-token", ""), "");
        assert_eq!(
            masked("sms-gateway-url", "https://u:p@sms.example/send"),
            "https://u:…@sms.example/send"
        );
        assert_eq!(masked("listen", "0.0.0.0:80"), "0.0.0.0:80");
    }
}
