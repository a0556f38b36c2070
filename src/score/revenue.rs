//! The 80/20 view: which clients bring the revenue, and how healthy they are.

use serde::Serialize;

/// One client's revenue and health, the input of [`revenue_summary`].
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RevenueClient {
    /// Display name.
    pub name: String,
    /// Yearly revenue.
    pub revenue: f64,
    /// Health, when known.
    pub health: Option<f64>,
}

/// Where the money comes from.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RevenueSummary {
    /// Sum of all revenue.
    pub total: f64,
    /// The top clients by revenue (the smallest number reaching ≥ 80 %, at most 3).
    pub top: Vec<String>,
    /// Their share of the total, 0–100.
    pub top_share: f64,
    /// The revenue client with the lowest health: name, share (0–100) and health.
    pub weakest: Option<(String, f64, f64)>,
}

/// Share of revenue per client (0–100, same order as `clients`), and the 80/20 summary.
///
/// Clients with a non-finite or non-positive revenue are left out. `None` when no client
/// has revenue.
pub fn revenue_summary(clients: &[RevenueClient]) -> Option<RevenueSummary> {
    let with: Vec<&RevenueClient> = clients
        .iter()
        .filter(|c| c.revenue.is_finite() && c.revenue > 0.0)
        .collect();
    let total: f64 = with.iter().map(|c| c.revenue).sum();
    if with.is_empty() || total <= 0.0 {
        return None;
    }
    let mut sorted = with.clone();
    sorted.sort_by(|a, b| b.revenue.total_cmp(&a.revenue).then(a.name.cmp(&b.name)));
    let mut top = Vec::new();
    let mut acc = 0.0;
    for c in sorted.iter().take(3) {
        top.push(c.name.clone());
        acc += c.revenue;
        if acc / total >= 0.8 {
            break;
        }
    }
    let weakest = with
        .iter()
        .filter_map(|c| c.health.map(|h| (c, h)))
        .min_by(|a, b| {
            a.1.total_cmp(&b.1)
                .then(b.0.revenue.total_cmp(&a.0.revenue))
        })
        .map(|(c, h)| (c.name.clone(), c.revenue * 100.0 / total, h));
    Some(RevenueSummary {
        total,
        top,
        top_share: acc * 100.0 / total,
        weakest,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rc(name: &str, revenue: f64, health: f64) -> RevenueClient {
        RevenueClient {
            name: name.into(),
            revenue,
            health: Some(health),
        }
    }

    #[test]
    fn top_three_when_eighty_percent_needs_more() {
        let s = revenue_summary(&[
            rc("a", 30.0, 80.0),
            rc("b", 25.0, 70.0),
            rc("c", 16.0, 60.0),
            rc("d", 15.0, 50.0),
            rc("e", 10.0, 55.0),
            rc("Bakkerij", 4.0, 31.0),
        ])
        .unwrap();
        assert_eq!(s.top, vec!["a", "b", "c"]);
        assert!((s.top_share - 71.0).abs() < 1e-9);
        let (name, share, health) = s.weakest.unwrap();
        assert_eq!(name, "Bakkerij");
        assert!((share - 4.0).abs() < 1e-9 && health == 31.0);
    }

    #[test]
    fn one_client_can_be_the_eighty_percent() {
        let s = revenue_summary(&[rc("a", 90.0, 80.0), rc("b", 10.0, 70.0)]).unwrap();
        assert_eq!(s.top, vec!["a"]);
        assert!(revenue_summary(&[]).is_none());
    }
}
