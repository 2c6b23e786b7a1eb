//! The WAV audio voice messages are kept as: 16-bit PCM read from what espeak-ng writes (its
//! header's sizes are placeholders, as it streams), resampled for telephone lines, and written
//! again with its true sizes.

use std::f64::consts::PI;

/// Mono 16-bit samples at a rate.
#[derive(Debug, Clone, PartialEq)]
pub struct Pcm {
    pub rate: u32,
    pub samples: Vec<i16>,
}

#[derive(Debug, thiserror::Error)]
pub enum WavError {
    #[error("not a RIFF/WAVE file")]
    NotWave,
    #[error("no fmt chunk before the data")]
    NoFormat,
    #[error("not 16-bit PCM ({0})")]
    NotPcm16(String),
    #[error("no data chunk")]
    NoData,
}

fn u16_at(b: &[u8], at: usize) -> Option<u16> {
    Some(u16::from_le_bytes(b.get(at..at + 2)?.try_into().ok()?))
}

fn u32_at(b: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_le_bytes(b.get(at..at + 4)?.try_into().ok()?))
}

/// The samples of a 16-bit PCM WAV, channels mixed to one. A data chunk whose size runs past
/// the end (a streamed file's placeholder) ends with the file.
pub fn read(bytes: &[u8]) -> Result<Pcm, WavError> {
    if bytes.get(0..4) != Some(b"RIFF") || bytes.get(8..12) != Some(b"WAVE") {
        return Err(WavError::NotWave);
    }
    let mut at = 12;
    let mut format: Option<(u16, u32)> = None;
    while let (Some(id), Some(size)) = (bytes.get(at..at + 4), u32_at(bytes, at + 4)) {
        let body = at + 8;
        let end = body.saturating_add(size as usize).min(bytes.len());
        match id {
            b"fmt " => {
                let tag = u16_at(bytes, body).ok_or(WavError::NoFormat)?;
                let channels = u16_at(bytes, body + 2).ok_or(WavError::NoFormat)?;
                let rate = u32_at(bytes, body + 4).ok_or(WavError::NoFormat)?;
                let bits = u16_at(bytes, body + 14).ok_or(WavError::NoFormat)?;
                if tag != 1 || bits != 16 || channels == 0 {
                    return Err(WavError::NotPcm16(format!(
                        "format {tag}, {bits} bits, {channels} channels"
                    )));
                }
                format = Some((channels, rate));
            }
            b"data" => {
                let (channels, rate) = format.ok_or(WavError::NoFormat)?;
                let frame = 2 * channels as usize;
                let samples = bytes[body..end]
                    .chunks_exact(frame)
                    .map(|f| {
                        let sum: i32 = f
                            .chunks_exact(2)
                            .map(|s| i16::from_le_bytes([s[0], s[1]]) as i32)
                            .sum();
                        (sum / channels as i32) as i16
                    })
                    .collect();
                return Ok(Pcm { rate, samples });
            }
            _ => {}
        }
        // Chunks are padded to an even length.
        at = end + (size as usize & 1);
    }
    Err(WavError::NoData)
}

/// A canonical 44-byte-header WAV of the samples, with true sizes.
pub fn write(pcm: &Pcm) -> Vec<u8> {
    let data = (pcm.samples.len() * 2) as u32;
    let mut out = Vec::with_capacity(44 + data as usize);
    out.extend_from_slice(b"RIFF");
    out.extend_from_slice(&(36 + data).to_le_bytes());
    out.extend_from_slice(b"WAVEfmt ");
    out.extend_from_slice(&16u32.to_le_bytes());
    out.extend_from_slice(&1u16.to_le_bytes()); // PCM
    out.extend_from_slice(&1u16.to_le_bytes()); // mono
    out.extend_from_slice(&pcm.rate.to_le_bytes());
    out.extend_from_slice(&(pcm.rate * 2).to_le_bytes());
    out.extend_from_slice(&2u16.to_le_bytes());
    out.extend_from_slice(&16u16.to_le_bytes());
    out.extend_from_slice(b"data");
    out.extend_from_slice(&data.to_le_bytes());
    for s in &pcm.samples {
        out.extend_from_slice(&s.to_le_bytes());
    }
    out
}

/// Zero crossings of the resampling filter on each side.
const TAPS_PER_SIDE: f64 = 16.0;

/// The samples at another rate, by windowed-sinc interpolation whose low-pass cuts what the
/// lower rate cannot carry (no aliasing when going down to 8 kHz).
pub fn resample(pcm: &Pcm, rate: u32) -> Pcm {
    if rate == pcm.rate || pcm.samples.is_empty() {
        return Pcm {
            rate,
            samples: pcm.samples.clone(),
        };
    }
    let ratio = rate as f64 / pcm.rate as f64;
    // The cut-off as a share of the source's Nyquist frequency, a little under the lower one.
    let cutoff = ratio.min(1.0) * 0.95;
    let half_width = TAPS_PER_SIDE / cutoff;
    let out_len = (pcm.samples.len() as f64 * ratio).floor() as usize;
    let last = pcm.samples.len() as i64 - 1;
    let samples = (0..out_len)
        .map(|n| {
            let x = n as f64 / ratio;
            let first = (x - half_width).ceil().max(0.0) as i64;
            let end = ((x + half_width).floor() as i64).min(last);
            let mut sum = 0.0;
            for k in first..=end {
                let d = x - k as f64;
                let sinc = if d == 0.0 {
                    1.0
                } else {
                    (PI * cutoff * d).sin() / (PI * cutoff * d)
                };
                let hann = 0.5 * (1.0 + (PI * d / half_width).cos());
                sum += pcm.samples[k as usize] as f64 * cutoff * sinc * hann;
            }
            sum.round().clamp(i16::MIN as f64, i16::MAX as f64) as i16
        })
        .collect();
    Pcm { rate, samples }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tone(rate: u32, hz: f64, seconds: f64, amplitude: f64) -> Pcm {
        let n = (rate as f64 * seconds) as usize;
        Pcm {
            rate,
            samples: (0..n)
                .map(|i| (amplitude * (2.0 * PI * hz * i as f64 / rate as f64).sin()) as i16)
                .collect(),
        }
    }

    /// Root mean square of the middle of the samples (away from the edges' ramps).
    fn rms(samples: &[i16]) -> f64 {
        let mid = &samples[samples.len() / 10..samples.len() * 9 / 10];
        (mid.iter().map(|&s| (s as f64).powi(2)).sum::<f64>() / mid.len() as f64).sqrt()
    }

    /// A file as espeak-ng streams it: the sizes in its header are placeholders.
    fn streamed(pcm: &Pcm) -> Vec<u8> {
        let mut bytes = write(pcm);
        bytes[4..8].copy_from_slice(&0x7fff_f024u32.to_le_bytes());
        bytes[40..44].copy_from_slice(&0x7fff_f000u32.to_le_bytes());
        bytes
    }

    #[test]
    fn a_streamed_file_reads_to_its_end_and_is_written_with_true_sizes() {
        let pcm = tone(22_050, 440.0, 0.5, 10_000.0);
        let read_back = read(&streamed(&pcm)).unwrap();
        assert_eq!(read_back, pcm);
        let written = write(&pcm);
        assert_eq!(u32_at(&written, 4), Some(written.len() as u32 - 8));
        assert_eq!(u32_at(&written, 40), Some(pcm.samples.len() as u32 * 2));
        assert!(matches!(read(b"RIFF0000AVIX"), Err(WavError::NotWave)));
        let mut eight_bit = write(&pcm);
        eight_bit[34] = 8;
        assert!(matches!(read(&eight_bit), Err(WavError::NotPcm16(_))));
    }

    #[test]
    fn speech_band_sound_keeps_its_length_and_loudness_at_8_khz() {
        let pcm = tone(22_050, 440.0, 2.0, 10_000.0);
        let low = resample(&pcm, 8_000);
        assert_eq!(low.rate, 8_000);
        assert_eq!(low.samples.len(), 16_000);
        let (before, after) = (rms(&pcm.samples), rms(&low.samples));
        assert!((after / before - 1.0).abs() < 0.03, "{before} → {after}");
    }

    #[test]
    fn what_8_khz_cannot_carry_is_cut_not_folded_back() {
        // 6 kHz is above 8 kHz's 4 kHz limit: without the low-pass it would sound at 2 kHz.
        let pcm = tone(22_050, 6_000.0, 1.0, 10_000.0);
        let low = resample(&pcm, 8_000);
        assert!(
            rms(&low.samples) < rms(&pcm.samples) * 0.02,
            "{}",
            rms(&low.samples)
        );
    }
}
