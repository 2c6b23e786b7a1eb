//! Turning a voice message's text into audio: the registration number written out the way a
//! listener understands it (`number_for_listener`), and `synthesize`, which has espeak-ng
//! (Debian's package) speak the text with its Hindi or English voice into telephone audio.

use serde::Deserialize;
use std::process::Stdio;
use std::sync::OnceLock;
use std::time::Duration;

/// Longest espeak-ng may take for one message.
pub const SYNTHESIS_TIMEOUT: Duration = Duration::from_secs(20);

/// The audio's sample rate: what telephone lines carry (8 kHz, mono, 16-bit PCM).
pub const TELEPHONE_RATE: u32 = 8_000;

/// Words per minute: a little slower than espeak-ng's 175, for a number heard on a phone.
const WORDS_PER_MINUTE: &str = "150";

/// How many characters of espeak-ng's complaint an error keeps.
const STDERR_KEPT: usize = 300;

#[derive(Debug, Deserialize)]
struct DigitWords {
    hi: [String; 10],
    en: [String; 10],
}

fn digit_words() -> &'static DigitWords {
    static W: OnceLock<DigitWords> = OnceLock::new();
    W.get_or_init(|| {
        serde_json::from_str(include_str!("../../data/spoken_digits.json"))
            .expect("checked by tests")
    })
}

/// A number as a voice message says it: each digit as a word in the message's language
/// (`sync-server/data/spoken_digits.json`), in the number's own groups, a comma (a pause)
/// between groups: `23-401` in Hindi is "दो तीन, चार शून्य एक". Groups are separated by
/// anything that is not a letter or digit (`-` in the default format); a letter is said as it
/// is written.
pub fn number_for_listener(number: &str, language: &str) -> String {
    let words = if language == "en" {
        &digit_words().en
    } else {
        &digit_words().hi
    };
    number
        .split(|c: char| !c.is_alphanumeric())
        .filter(|group| !group.is_empty())
        .map(|group| {
            group
                .chars()
                .map(|c| match c.to_digit(10) {
                    Some(d) => words[d as usize].clone(),
                    None => c.to_string(),
                })
                .collect::<Vec<_>>()
                .join(" ")
        })
        .collect::<Vec<_>>()
        .join(", ")
}

#[derive(Debug, thiserror::Error)]
pub enum SpeechError {
    #[error(
        "espeak-ng is not installed: install Debian's package espeak-ng (apt-get install espeak-ng)"
    )]
    Missing,
    #[error("espeak-ng could not be run: {0}")]
    NotRun(std::io::ErrorKind),
    #[error("espeak-ng gave no audio within {} s", SYNTHESIS_TIMEOUT.as_secs())]
    TimedOut,
    #[error("espeak-ng failed ({status}): {complaint}")]
    Failed { status: String, complaint: String },
    #[error("espeak-ng's output is not the audio it writes: {0}")]
    NotAudio(#[from] super::wav::WavError),
}

/// The espeak-ng voice for a message's language: Hindi, or Indian English.
fn voice(language: &str) -> &'static str {
    if language == "en" { "en-in" } else { "hi" }
}

/// `text` spoken by espeak-ng's voice for `language` (hi or en), as 8 kHz mono 16-bit PCM
/// WAV. espeak-ng reads the text on its standard input, so nothing of it is on a command line
/// another user can list.
pub async fn synthesize(text: &str, language: &str) -> Result<Vec<u8>, SpeechError> {
    synthesize_with("espeak-ng", text, language).await
}

async fn synthesize_with(
    program: &str,
    text: &str,
    language: &str,
) -> Result<Vec<u8>, SpeechError> {
    use tokio::io::AsyncWriteExt;
    let mut child = tokio::process::Command::new(program)
        .args([
            "-v",
            voice(language),
            "-s",
            WORDS_PER_MINUTE,
            "--stdin",
            "--stdout",
        ])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        // Given up on (the timeout, a stopping dispatcher): the process goes with it.
        .kill_on_drop(true)
        .spawn()
        .map_err(|e| match e.kind() {
            std::io::ErrorKind::NotFound => SpeechError::Missing,
            kind => SpeechError::NotRun(kind),
        })?;
    let mut stdin = child.stdin.take().expect("stdin is piped");
    let text = text.as_bytes().to_vec();
    let spoken = async move {
        // Written while its output is read: neither side waits on a full pipe.
        let fed = async move {
            let written = stdin.write_all(&text).await;
            drop(stdin);
            written
        };
        let (fed, output) = tokio::join!(fed, child.wait_with_output());
        let output = output.map_err(|e| SpeechError::NotRun(e.kind()))?;
        if !output.status.success() {
            let complaint: String = String::from_utf8_lossy(&output.stderr)
                .trim()
                .chars()
                .take(STDERR_KEPT)
                .collect();
            return Err(SpeechError::Failed {
                status: output.status.to_string(),
                complaint,
            });
        }
        fed.map_err(|e| SpeechError::NotRun(e.kind()))?;
        Ok(output.stdout)
    };
    let wav = tokio::time::timeout(SYNTHESIS_TIMEOUT, spoken)
        .await
        .map_err(|_| SpeechError::TimedOut)??;
    let pcm = super::wav::read(&wav)?;
    Ok(super::wav::write(&super::wav::resample(
        &pcm,
        TELEPHONE_RATE,
    )))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_registration_number_is_said_digit_by_digit_in_its_groups_in_hindi() {
        assert_eq!(
            number_for_listener("23-401-2026-0000042", "hi"),
            "दो तीन, चार शून्य एक, दो शून्य दो छह, शून्य शून्य शून्य शून्य शून्य चार दो"
        );
        assert_eq!(number_for_listener("5678-9", "hi"), "पाँच छह सात आठ, नौ");
    }

    #[test]
    fn a_registration_number_is_said_digit_by_digit_in_its_groups_in_english() {
        assert_eq!(
            number_for_listener("23-401-2026-0000042", "en"),
            "two three, four zero one, two zero two six, zero zero zero zero zero four two"
        );
        assert_eq!(
            number_for_listener("MP/15-678", "en"),
            "M P, one five, six seven eight",
            "any separator parts groups; letters are said as written"
        );
        assert_eq!(number_for_listener("", "en"), "");
    }

    #[test]
    fn every_language_has_a_word_for_every_digit() {
        for words in [&digit_words().hi, &digit_words().en] {
            assert!(words.iter().all(|w| !w.trim().is_empty()), "{words:?}");
            let distinct: std::collections::BTreeSet<_> = words.iter().collect();
            assert_eq!(distinct.len(), 10, "{words:?}");
        }
    }

    #[test]
    fn a_missing_espeak_ng_names_the_package_to_install() {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        let e = runtime
            .block_on(synthesize_with("espeak-ng-not-here", "नमस्कार", "hi"))
            .unwrap_err();
        assert!(matches!(e, SpeechError::Missing), "{e}");
        assert!(e.to_string().contains("apt-get install espeak-ng"), "{e}");
    }
}
