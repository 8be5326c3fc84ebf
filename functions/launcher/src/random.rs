//! Random bytes from the operating system (External IDs, link tokens, audit ids).
//!
//! getrandom directly, the version ring already links for rustls, rather than `rand`, whose
//! generators the launcher never needs.

/// `N` bytes from the OS generator. Panics only where the OS has none, which no supported
/// platform lacks; a predictable value would be worse than no answer.
pub fn bytes<const N: usize>() -> [u8; N] {
    let mut bytes = [0u8; N];
    getrandom::getrandom(&mut bytes).expect("the OS random generator is available");
    bytes
}

/// `N` random bytes as lowercase hex.
pub fn hex<const N: usize>() -> String {
    hex::encode(bytes::<N>())
}

#[cfg(test)]
mod tests {
    #[test]
    fn values_differ_and_have_the_asked_length() {
        let (a, b) = (super::hex::<24>(), super::hex::<24>());
        assert_eq!(a.len(), 48);
        assert_ne!(a, b);
    }
}
