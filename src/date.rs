//! Instants as text, in UTC, for any instant: nothing here can fail, so no
//! date is ever written empty (aws-smithy-types' own formatting refuses
//! years outside 0001–9999). The years 0000–9999 are written as RFC 3339
//! writes them; any other with a sign and the digits it needs, as ISO
//! 8601 writes expanded years.

use aws_smithy_types::DateTime;

/// `YYYY-MM-DD`.
pub fn date(time: &DateTime) -> String {
    let (year, month, day) = civil(time.secs().div_euclid(86_400));
    let year = if (0..=9999).contains(&year) {
        format!("{year:04}")
    } else {
        format!("{year:+05}")
    };
    format!("{year}-{month:02}-{day:02}")
}

/// `YYYY-MM-DDTHH:MM:SS` (whole seconds; the caller writes any fraction
/// and the offset).
pub fn date_time(time: &DateTime) -> String {
    let second = time.secs().rem_euclid(86_400);
    format!(
        "{}T{:02}:{:02}:{:02}",
        date(time),
        second / 3600,
        second / 60 % 60,
        second % 60
    )
}

/// The day `days` after 1970-01-01 as (year, month, day) of the proleptic
/// Gregorian calendar: Howard Hinnant's `civil_from_days`, in whole
/// 400-year eras, so every `i64` second's day stays in range.
fn civil(days: i64) -> (i64, i64, i64) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let day_of_era = z.rem_euclid(146_097);
    let year_of_era =
        (day_of_era - day_of_era / 1460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    // Months counted from March, so that February's leap day comes last.
    let march_month = (5 * day_of_year + 2) / 153;
    let day = day_of_year - (153 * march_month + 2) / 5 + 1;
    let month = if march_month < 10 {
        march_month + 3
    } else {
        march_month - 9
    };
    let year = year_of_era + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

#[cfg(test)]
mod tests {
    use super::*;
    use aws_smithy_types::date_time::Format;

    #[test]
    fn the_same_text_as_aws_smithy_types_where_it_has_one() {
        // 0001-01-01T00:00:00 to 9999-12-31T23:59:59, in uneven steps that
        // land on every month, leap days and times of day.
        let (first, last) = (-62_135_596_800_i64, 253_402_300_799_i64);
        let mut checked = 0;
        for secs in (first..=last)
            .step_by(7_654_321)
            .chain([first, last, 0, -1, 951_782_400])
        {
            let time = DateTime::from_secs(secs);
            let smithy = time.fmt(Format::DateTime).expect("in range");
            assert_eq!(date_time(&time), smithy[..19], "{secs}");
            checked += 1;
        }
        assert!(checked > 40_000, "{checked}");
    }

    #[test]
    fn any_instant_is_written() {
        let at = |secs| date_time(&DateTime::from_secs(secs));
        assert_eq!(at(-62_135_596_801), "0000-12-31T23:59:59");
        assert_eq!(at(-62_167_219_200), "0000-01-01T00:00:00");
        assert_eq!(at(-62_167_219_201), "-0001-12-31T23:59:59");
        assert_eq!(at(253_402_300_800), "+10000-01-01T00:00:00");
        assert_eq!(at(i64::MAX), "+292277026596-12-04T15:30:07");
        assert_eq!(at(i64::MIN), "-292277022657-01-27T08:29:52");
        assert_eq!(date(&DateTime::from_secs(951_782_400)), "2000-02-29");
    }
}
