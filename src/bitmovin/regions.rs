//! Bitmovin names AWS regions its own way: an `AwsCloudRegion` of a region
//! setting is `EU_WEST_1`, an encoding's `CloudRegion` is `AWS_EU_WEST_1`.
//! Both are the AWS name upper-cased with `_` for `-`.

use crate::aws_format::Format;

/// The AWS region of a region setting's `AwsCloudRegion` (`EU_WEST_1` →
/// `eu-west-1`), if it is one.
pub fn from_aws_cloud_region(value: &str) -> Option<String> {
    let region = value.to_ascii_lowercase().replace('_', "-");
    Format::Region.accepts(&region).then_some(region)
}

/// The AWS region of an encoding's `CloudRegion` (`AWS_EU_WEST_1` →
/// `eu-west-1`); `None` for Bitmovin's other clouds and for `EXTERNAL`,
/// `AUTO` and the continents.
pub fn from_cloud_region(value: &str) -> Option<String> {
    from_aws_cloud_region(value.strip_prefix("AWS_")?)
}

/// The `AwsCloudRegion` of an AWS region (`eu-west-1` → `EU_WEST_1`), as
/// the region settings' path takes it.
pub fn to_aws_cloud_region(region: &str) -> String {
    region.to_ascii_uppercase().replace('-', "_")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bitmovin_region_names_map_to_aws_names() {
        assert_eq!(
            from_aws_cloud_region("EU_WEST_1").as_deref(),
            Some("eu-west-1")
        );
        assert_eq!(
            from_aws_cloud_region("AP_NORTHEAST_2").as_deref(),
            Some("ap-northeast-2")
        );
        assert_eq!(
            from_cloud_region("AWS_US_EAST_1").as_deref(),
            Some("us-east-1")
        );
        assert_eq!(to_aws_cloud_region("eu-central-1"), "EU_CENTRAL_1");
        for other in [
            "EXTERNAL",
            "AUTO",
            "GOOGLE_EUROPE_WEST_1",
            "AWS",
            "EUROPE",
            "AWS_x;rm",
        ] {
            assert_eq!(from_cloud_region(other), None, "{other}");
        }
        assert_eq!(from_aws_cloud_region("EU_WEST_1; rm -rf"), None);
    }
}
