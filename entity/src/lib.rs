//! sea-orm models of the reference application whose schema the `migration` crate creates.
//! They describe the schema after the latest migration.

pub mod prelude;

pub mod certificates;
pub mod clusters;
pub mod credentials;
pub mod sealed;
pub mod services;
pub mod tenants;
pub mod users;
