//! Where the database is and how to reach it.

pub(crate) mod connect;
pub mod database;
mod session;
pub mod tls;
mod url;
pub mod wait;

pub use connect::{ConnectError, ConnectSettings, connect};
pub use session::{APPLICATION_NAME, Session, texts, texts_at};
pub use url::{Backend, DEFAULT_URL, DatabaseUrl, UrlError, mask_password, mask_urls};
pub(crate) use url::shorten;
