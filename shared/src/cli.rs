//! Flags: whole numbers with a range, and a message a student understands.
//!
//! clap's own `value_parser!(u64).range(1..=64)` answers `--threads -3` with
//! "invalid digit found in string". [`range`] says what is wrong instead:
//!
//! ```text
//! error: invalid value '-3' for '--threads <1..=64>': -3 is negative; give a whole number from 1 to 64
//! ```
//!
//! Use it with the range in the value name, so `--help` shows it too:
//!
//! ```
//! use clap::Parser;
//! #[derive(Parser)]
//! #[command(allow_negative_numbers = true)] // `--threads -3` reaches the parser
//! struct Args {
//!     /// Hilos to start.
//!     #[arg(long, default_value_t = 4, value_name = "1..=64", value_parser = shared::cli::range(1..=64u64))]
//!     threads: u64,
//! }
//! let args = Args::try_parse_from(["demo", "--threads", "8"]).unwrap();
//! assert_eq!(args.threads, 8);
//! let error = Args::try_parse_from(["demo", "--threads", "-3"]).err().unwrap().to_string();
//! assert!(error.contains("-3 is negative"), "{error}");
//! ```

use std::ops::RangeInclusive;

/// The unsigned integer types a flag can have (`u8` .. `u64`, `usize`).
/// Name the type in the range, `range(1..=64u64)`: a bare `1..=64` would be
/// an `i32`, which is refused here at compile time rather than by clap at
/// run time.
pub trait Unsigned: TryFrom<u128> + TryInto<u128> + Copy + Send + Sync + 'static {}
impl Unsigned for u8 {}
impl Unsigned for u16 {}
impl Unsigned for u32 {}
impl Unsigned for u64 {}
impl Unsigned for usize {}

/// A clap value parser for a whole number in `bounds`, for any unsigned
/// integer type. Its errors name the range, and say so when the number is
/// negative or not a whole number.
pub fn range<T>(
    bounds: RangeInclusive<T>,
) -> impl Fn(&str) -> Result<T, String> + Clone + Send + Sync + 'static
where
    T: Unsigned,
{
    // Every unsigned integer type fits in a u128.
    let low: u128 = (*bounds.start()).try_into().ok().unwrap_or(0);
    let high: u128 = (*bounds.end()).try_into().ok().unwrap_or(u128::MAX);
    move |text: &str| {
        let wanted = format!("give a whole number from {low} to {high}");
        let trimmed = text.trim().replace('_', "");
        if let Some(digits) = trimmed.strip_prefix('-')
            && !digits.is_empty()
            && digits.chars().all(|c| c.is_ascii_digit())
        {
            return Err(format!("{text} is negative; {wanted}"));
        }
        let value: u128 = trimmed
            .parse()
            .map_err(|_| format!("{text:?} is not a whole number; {wanted}"))?;
        if value < low || value > high {
            return Err(format!("{text} is out of range; {wanted}"));
        }
        T::try_from(value).map_err(|_| format!("{text} is out of range; {wanted}"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_the_range_and_explains_the_rest() {
        let parse = range(1u64..=64);
        assert_eq!(parse("1"), Ok(1));
        assert_eq!(parse("64"), Ok(64));
        assert_eq!(
            parse("1_000").unwrap_err(),
            "1_000 is out of range; give a whole number from 1 to 64"
        );
        assert_eq!(
            parse("-3").unwrap_err(),
            "-3 is negative; give a whole number from 1 to 64"
        );
        assert_eq!(
            parse("0").unwrap_err(),
            "0 is out of range; give a whole number from 1 to 64"
        );
        assert!(parse("2.5").unwrap_err().contains("not a whole number"));
        assert!(parse("").unwrap_err().contains("not a whole number"));
        assert!(parse("99999999999999999999999999999999999999999").is_err());
        let small = range(0u8..=255);
        assert_eq!(small("255"), Ok(255));
        assert!(small("256").is_err());
        assert_eq!(range(0usize..=10)("0"), Ok(0));
    }
}
