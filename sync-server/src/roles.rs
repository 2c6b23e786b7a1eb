//! Who a user is and what each role may do: the one place where role policy lives.

use serde::{Deserialize, Serialize};

/// Who a user is; each role works within its jurisdiction.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, clap::ValueEnum, utoipa::ToSchema,
)]
#[serde(rename_all = "kebab-case")]
pub enum Role {
    Operator,
    Secretary,
    DesignatedOfficer,
    DistrictAdmin,
    StateAdmin,
    /// A district's technical cell for Rozgar Setu (informatics, labour, industry, employment
    /// and rural development offices): verifies employers, follows offers, reads the funnel.
    DistrictCell,
    /// An employer's own sign-in (Rozgar Setu): its requirements, shortlists and offers only.
    Employer,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Operator => "operator",
            Role::Secretary => "secretary",
            Role::DesignatedOfficer => "designated-officer",
            Role::DistrictAdmin => "district-admin",
            Role::StateAdmin => "state-admin",
            Role::DistrictCell => "district-cell",
            Role::Employer => "employer",
        }
    }

    pub fn parse(s: &str) -> Option<Role> {
        [
            Role::Operator,
            Role::Secretary,
            Role::DesignatedOfficer,
            Role::DistrictAdmin,
            Role::StateAdmin,
            Role::DistrictCell,
            Role::Employer,
        ]
        .into_iter()
        .find(|r| r.as_str() == s)
    }

    /// Roles that may enrol a device for a camp.
    pub fn enrols_devices(self) -> bool {
        matches!(self, Role::Operator | Role::Secretary)
    }

    /// Roles that may approve or reject registrations.
    pub fn decides(self) -> bool {
        matches!(
            self,
            Role::DesignatedOfficer | Role::DistrictAdmin | Role::StateAdmin
        )
    }

    /// Roles that may verify employers of their area and send offers for them (Rozgar Setu).
    pub fn verifies_employers(self) -> bool {
        matches!(
            self,
            Role::DesignatedOfficer | Role::DistrictAdmin | Role::StateAdmin | Role::DistrictCell
        )
    }

    /// Roles that read the district cell's page: the funnel, unmatched requirements, stale offers.
    pub fn reads_job_cell(self) -> bool {
        matches!(
            self,
            Role::DistrictAdmin | Role::StateAdmin | Role::DistrictCell
        )
    }

    /// Roles that may revoke devices and manage the campaign.
    pub fn administers(self) -> bool {
        matches!(self, Role::DistrictAdmin | Role::StateAdmin)
    }
}

/// A stored role text that names no role.
#[derive(Debug, thiserror::Error)]
#[error("unknown role {0:?}")]
pub struct UnknownRole(pub String);

impl TryFrom<String> for Role {
    type Error = UnknownRole;

    fn try_from(s: String) -> Result<Role, UnknownRole> {
        Role::parse(&s).ok_or(UnknownRole(s))
    }
}

#[cfg(test)]
mod tests {
    use super::Role;

    #[test]
    fn every_role_reads_back_from_its_stored_text() {
        for role in [
            Role::Operator,
            Role::Secretary,
            Role::DesignatedOfficer,
            Role::DistrictAdmin,
            Role::StateAdmin,
            Role::DistrictCell,
            Role::Employer,
        ] {
            assert_eq!(Role::try_from(role.as_str().to_owned()).ok(), Some(role));
        }
        assert!(Role::try_from("collector".to_owned()).is_err());
    }
}
