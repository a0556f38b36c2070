use super::*;

#[test]
fn loopback_detection_accepts_only_loopback() {
    for h in ["localhost", "127.0.0.1", "127.8.9.1", "::1", "[::1]"] {
        assert!(is_loopback(h), "{h}");
    }
    for h in [
        "mail.example.com",
        "10.0.0.1",
        "128.0.0.1",
        "localhost.example.com",
    ] {
        assert!(!is_loopback(h), "{h}");
    }
}

#[test]
fn address_check_rejects_non_addresses() {
    assert_eq!(
        check_address(" Me@Example.COM "),
        Some("me@example.com".into())
    );
    for a in ["me", "@x", "me@", "a b@c.d", "<me@x.y>", "me@x..y", "a@b@c"] {
        assert_eq!(check_address(a), None, "{a}");
    }
}
