//! The mapping keys of `project_config.toml`: `[github_integration.mapping]`, or written
//! directly under `[github_integration]`.

use std::collections::BTreeMap;

use crate::artifact::problem::quoted_list;
use crate::artifact::vocab::{Kind, Priority, STANDARD_STATUSES, classify_status};

use super::mapping::{LabelCategory, Mapping};
use super::reader::Reader;
use super::settings::ConflictResolution;

/// Reads the mapping keys, from `[github_integration.mapping]` first and, for keys
/// written directly under `[github_integration]`, from there.
pub(super) fn read_mapping(
    r: &mut Reader<'_>,
    gi: &toml::Table,
    mapping: Option<&toml::Table>,
    custom: &[String],
) -> Mapping {
    const GI: &str = "github_integration";
    let mut m = Mapping::default();
    // The value of a mapping key and the key path it was found at.
    let find = |key: &'static str| -> Option<(&toml::Value, Vec<&'static str>)> {
        if let Some(v) = mapping.and_then(|t| t.get(key)) {
            return Some((v, vec![GI, "mapping", key]));
        }
        gi.get(key).map(|v| (v, vec![GI, key]))
    };

    for (key, slot) in [
        ("sync_status_as_label", &mut m.sync_status_as_label),
        ("sync_type_as_label", &mut m.sync_type_as_label),
        ("sync_priority_as_label", &mut m.sync_priority_as_label),
        ("sync_tags_as_labels", &mut m.sync_tags_as_labels),
        ("sync_milestone_due_date", &mut m.sync_milestone_due_date),
        ("sync_milestone_progress", &mut m.sync_milestone_progress),
        ("sync_sub_issues", &mut m.sync_sub_issues),
        ("enable_commit_linking", &mut m.enable_commit_linking),
        ("create_missing_labels", &mut m.create_missing_labels),
        (
            "create_missing_milestones",
            &mut m.create_missing_milestones,
        ),
        ("delete_milestones", &mut m.delete_milestones),
        (
            "create_artifacts_from_github",
            &mut m.create_artifacts_from_github,
        ),
        ("close_on_commit_keywords", &mut m.close_on_commit_keywords),
    ] {
        if let Some((v, keys)) = find(key)
            && let Some(b) = r.boolean(v, &keys)
        {
            *slot = b;
        }
    }

    let mut issue_types_keys = None;
    if let Some((v, keys)) = find("issue_types")
        && let Some(list) = r.string_list(v, &keys, "issue_types = [\"✨ Story\", \"🛠️ Task\"]")
    {
        // Work items, and Features or Epics a team tracks as (parent) issues; the kind
        // that becomes milestones is checked below, once milestone_type is read.
        let issue_kind = |k: Kind| k.is_work_item() || matches!(k, Kind::Feature | Kind::Epic);
        let accepted = Kind::ALL
            .iter()
            .filter(|k| issue_kind(**k))
            .map(|k| k.canonical());
        let mut good = Vec::new();
        for t in list {
            match Kind::parse(&t) {
                Some(k) if issue_kind(k) => good.push(t),
                _ => r.error(
                    &keys,
                    format!(
                        "issue_types entry \"{t}\" is not a type that can be an issue; accepted: {}",
                        quoted_list(accepted.clone())
                    ),
                    "Initiatives are not synced; Epics and Features map to milestones (see milestone_type) unless listed here",
                ),
            }
        }
        m.issue_types = good;
        issue_types_keys = Some(keys);
    }
    if let Some((v, keys)) = find("label_prefix")
        && let Some(s) = r.string(v, &keys, "label_prefix = \"PM:\"")
    {
        m.label_prefix = s;
    }

    for (key, category) in [
        ("status_labels", LabelCategory::Status),
        ("type_labels", LabelCategory::Type),
        ("priority_labels", LabelCategory::Priority),
    ] {
        let Some((v, keys)) = find(key) else { continue };
        let example =
            format!("[github_integration.mapping.{key}] with \"value\" = \"label\" lines");
        let Some(map) = r.string_map(v, &keys, &example) else {
            continue;
        };
        for (value, label) in &map {
            let known = match category {
                LabelCategory::Status => classify_status(value, custom).is_some(),
                LabelCategory::Type => Kind::parse(value).is_some(),
                _ => Priority::parse(value).is_some(),
            };
            let path: Vec<&str> = keys.iter().copied().chain([value.as_str()]).collect();
            if !known {
                r.warning(
                    &path,
                    format!(
                        "{key} names \"{value}\", which is not a known {} value",
                        category.as_str()
                    ),
                    "check the spelling; the entry is kept but never used",
                );
            }
            if label.trim().is_empty() {
                r.error(
                    &path,
                    format!("{key} maps \"{value}\" to an empty label name"),
                    "give the label a name",
                );
            }
        }
        let map: BTreeMap<String, String> = map
            .into_iter()
            .filter(|(_, l)| !l.trim().is_empty())
            .collect();
        match category {
            LabelCategory::Status => m.status_labels = map,
            LabelCategory::Type => m.type_labels = map,
            _ => m.priority_labels = map,
        }
    }

    if let Some((v, keys)) = find("label_colors")
        && let Some(map) = r.string_map(
            v,
            &keys,
            "[github_integration.mapping.label_colors] with status = \"1d76db\"",
        )
    {
        for (category, color) in map {
            let hex = color.trim().trim_start_matches('#');
            if hex.len() == 6 && hex.chars().all(|c| c.is_ascii_hexdigit()) {
                m.label_colors.insert(category, hex.to_ascii_lowercase());
            } else {
                let path: Vec<&str> = keys.iter().copied().chain([category.as_str()]).collect();
                r.error(
                    &path,
                    format!("label color \"{color}\" for {category} is not a 6-digit hex color"),
                    "write it as \"d93f0b\" or \"#d93f0b\"",
                );
            }
        }
    }

    if let Some((v, keys)) = find("milestone_type")
        && let Some(s) = r.string(v, &keys, "milestone_type = \"🗺️ Epic\"")
    {
        match Kind::parse(&s) {
            Some(Kind::Epic | Kind::Feature) => m.milestone_type = s,
            _ => r.error(
                &keys,
                format!(
                    "milestone_type \"{s}\" is not accepted; accepted: {}",
                    quoted_list([Kind::Epic.canonical(), Kind::Feature.canonical()])
                ),
                "milestones map to Epics or Features",
            ),
        }
    }

    for (key, slot) in [
        ("commit_link_keywords", &mut m.commit_link_keywords),
        (
            "commit_status_update_keywords",
            &mut m.commit_status_update_keywords,
        ),
    ] {
        if let Some((v, keys)) = find(key)
            && let Some(list) = r.string_list(v, &keys, &format!("{key} = [\"Fixes\", \"Closes\"]"))
        {
            *slot = list
                .into_iter()
                .map(|s| s.trim().to_string())
                .filter(|s| !s.is_empty())
                .collect();
        }
    }

    if let Some((v, keys)) = find("conflict_resolution")
        && let Some(s) = r.string(v, &keys, "conflict_resolution = \"last_update_wins\"")
    {
        match ConflictResolution::parse(&s) {
            Some(c) => m.conflict_resolution = c,
            None => r.error(
                &keys,
                format!(
                    "unknown conflict_resolution \"{s}\"; accepted: {}",
                    quoted_list(ConflictResolution::ALL.map(ConflictResolution::as_str))
                ),
                format!(
                    "write one of {}; until then the default last_update_wins is used",
                    ConflictResolution::ALL
                        .map(ConflictResolution::as_str)
                        .join(", ")
                ),
            ),
        }
    }

    if let Some((v, keys)) = find("reopen_status")
        && let Some(s) = r.string(v, &keys, "reopen_status = \"🟡 To Do\"")
    {
        if classify_status(&s, custom).is_some() {
            m.reopen_status = s;
        } else {
            let accepted = STANDARD_STATUSES
                .iter()
                .map(|(s, _)| *s)
                .chain(custom.iter().map(String::as_str));
            r.error(
                &keys,
                format!(
                    "unknown reopen_status \"{s}\"; accepted: {}",
                    quoted_list(accepted)
                ),
                "use a standard status or one of the project's custom_statuses",
            );
        }
    }
    // A kind is either issues or milestones, never both.
    let milestone_kind = m.milestone_kind();
    if let Some(keys) = issue_types_keys
        && m.issue_types
            .iter()
            .any(|t| Kind::parse(t) == Some(milestone_kind))
    {
        r.error(
            &keys,
            format!(
                "issue_types lists \"{}\", the milestone_type: its artifacts become milestones, not issues",
                milestone_kind.canonical()
            ),
            "take it out of issue_types, or set milestone_type to the other of Epic and Feature",
        );
        m.issue_types
            .retain(|t| Kind::parse(t) != Some(milestone_kind));
    }
    m
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::testing::{only_problem, parse};

    #[test]
    fn unknown_conflict_resolution_keeps_the_default() {
        let text = "[github_integration]\n\n[github_integration.mapping]\nlabel_prefix = \"PM:\"\nconflict_resolution = \"foo\"\n";
        let (cfg, problems) = parse(text);
        assert_eq!(
            cfg.github.mapping.conflict_resolution,
            ConflictResolution::LastUpdateWins
        );
        let p = only_problem(&problems);
        assert_eq!(p.line, Some(5));
        assert!(p.message.contains("\"foo\""), "{p}");
        let hint = p.hint.as_deref().unwrap_or_default();
        for c in ConflictResolution::ALL {
            assert!(p.message.contains(c.as_str()), "{p}");
            assert!(hint.contains(c.as_str()), "the hint lists the values: {p}");
        }
        for c in ConflictResolution::ALL {
            let text = format!(
                "[github_integration.mapping]\nconflict_resolution = \"{}\"\n",
                c.as_str()
            );
            let (cfg, problems) = parse(&text);
            assert!(problems.is_empty());
            assert_eq!(cfg.github.mapping.conflict_resolution, c);
        }
    }

    #[test]
    fn milestone_type_must_be_epic_or_feature() {
        let text = "[github_integration.mapping]\nmilestone_type = \"🛠️ Task\"\n";
        let (cfg, problems) = parse(text);
        assert_eq!(cfg.github.mapping.milestone_kind(), Kind::Epic);
        let p = only_problem(&problems);
        assert_eq!(p.line, Some(2));
        assert!(
            p.message.contains("🗺️ Epic") && p.message.contains("🌟 Feature"),
            "{p}"
        );
        let (cfg, problems) = parse("[github_integration.mapping]\nmilestone_type = \"feature\"\n");
        assert!(problems.is_empty());
        assert_eq!(cfg.github.mapping.milestone_kind(), Kind::Feature);
    }

    #[test]
    fn issue_types_are_work_items_or_the_kind_that_is_not_milestones() {
        let text = "[github_integration.mapping]\nissue_types = [\n  \"🛠️ Task\",\n  \"🗺️ Epic\",\n  \"Nonsense\",\n]\n";
        let (cfg, problems) = parse(text);
        assert_eq!(cfg.github.mapping.issue_types, ["🛠️ Task"]);
        assert_eq!(problems.len(), 2, "{problems:#?}");
        assert!(problems.iter().all(|p| p.line == Some(2) && p.is_error()));
        let nonsense = problems.iter().find(|p| p.message.contains("Nonsense"));
        let nonsense = nonsense.expect("Nonsense refused");
        assert!(nonsense.message.contains("✨ Story") && nonsense.message.contains("🧪 Test"));
        let epic = problems
            .iter()
            .find(|p| p.message.contains("the milestone_type"));
        assert!(epic.expect("the Epic refused").message.contains("🗺️ Epic"));
        // Features tracked as (parent) issues while Epics are the milestones.
        let (cfg, problems) =
            parse("[github_integration.mapping]\nissue_types = [\"🌟 Feature\", \"🛠️ Task\"]\n");
        assert!(problems.is_empty(), "{problems:#?}");
        assert_eq!(cfg.github.mapping.issue_types.len(), 2);
    }

    #[test]
    fn mapping_keys_under_github_integration_are_read_too() {
        let text = "[github_integration]\nlabel_prefix = \"X:\"\nconflict_resolution = \"prefer_local\"\n[github_integration.mapping]\nconflict_resolution = \"prefer_github\"\n";
        let (cfg, problems) = parse(text);
        assert!(problems.is_empty(), "{problems:#?}");
        assert_eq!(cfg.github.mapping.label_prefix, "X:");
        // The mapping table wins when a key is in both places.
        assert_eq!(
            cfg.github.mapping.conflict_resolution,
            ConflictResolution::PreferGithub
        );
        let (_, problems) = parse("[github_integration]\nconflict_resolution = \"nope\"\n");
        assert_eq!(only_problem(&problems).line, Some(2));
    }
}
