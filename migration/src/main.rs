fn main() {
    seamigrate::cli::main_with_app::<migration::Migrator>(migration::app())
}
