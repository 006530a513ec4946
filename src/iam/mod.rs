//! Offline IAM policy analysis for Bitmovin Cloud Connect.
//!
//! Decides from a user's policy documents alone whether the EC2 actions
//! Bitmovin needs are allowed for requests signed with access keys, and
//! whether any policy makes them depend on MFA (which such requests never
//! carry). Anything that cannot be decided offline is Unknown, never Allowed.

pub mod condition;
pub mod decider;
pub mod evaluate;
pub mod glob;
pub mod policy;
pub mod principal;
pub mod trust;

pub use condition::{RequestFacts, Tri, evaluate_without_mfa, mentions_mfa};
pub use decider::{Decider, decide};
pub use evaluate::{
    Decision, MfaDependency, NamedPolicy, PolicySet, PolicySource, ScpLevel, inert_mfa_statements,
    mfa_dependencies,
};
pub use policy::{ActionSpec, Condition, Effect, PolicyDocument, ResourceSpec, Statement};
pub use principal::Principal;
pub use trust::{Principals, TrustPolicy, TrustStatement};
