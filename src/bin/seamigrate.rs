//! The `seamigrate` program on its own, for what needs no migration crate yet: `init` (which
//! creates one), `database create|drop`, `baseline`, `backups`. Everything else belongs to the
//! project's own `migration` binary, which knows its migrations and entities.

fn main() {
    seamigrate::cli::main::<seamigrate::cli::NoMigrations>()
}
