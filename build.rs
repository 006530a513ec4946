// The rule files are embedded in the binary (include_dir!); rebuild when
// any of them changes, which the macro alone does not tell Cargo.
fn main() {
    println!("cargo:rerun-if-changed=rules");
}
