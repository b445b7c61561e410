fn main() {
    seamigrate::cli::main::<migration::Migrator>()
}
