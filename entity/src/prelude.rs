//! The entities under their table names, for `use entity::prelude::*`.

pub use super::certificates::Entity as Certificates;
pub use super::clusters::Entity as Clusters;
pub use super::credentials::Entity as Credentials;
pub use super::services::Entity as Services;
pub use super::tenants::Entity as Tenants;
pub use super::users::Entity as Users;
