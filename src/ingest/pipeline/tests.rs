use super::*;

#[test]
fn batches_are_cut_by_count_and_by_bytes_and_cover_everything_in_order() {
    let l = |uid: u32, size: u64| Listed {
        id: MessageRef::Uid(uid),
        size,
        seen: false,
    };
    let many: Vec<Listed> = (1..=2500).map(|u| l(u, 10)).collect();
    let b = batches(&many, BATCH);
    assert_eq!(
        b.iter().map(|c| c.len()).collect::<Vec<_>>(),
        vec![1000, 1000, 500]
    );
    // A smaller batch size is honoured, a larger one capped, zero means one.
    let sizes = |max| {
        batches(&many[..7], max)
            .iter()
            .map(|c| c.len())
            .collect::<Vec<_>>()
    };
    assert_eq!(sizes(3), vec![3, 3, 1]);
    assert_eq!(sizes(0), vec![1; 7]);
    assert_eq!(batches(&many, 5000).len(), 3);
    let big = vec![l(1, 20 << 20), l(2, 20 << 20), l(3, 1), l(4, 40 << 20)];
    let b = batches(&big, BATCH);
    assert_eq!(b.iter().map(|c| c.len()).collect::<Vec<_>>(), vec![1, 2, 1]);
    assert!(batches(&[], BATCH).is_empty());
}
