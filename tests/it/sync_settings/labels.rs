//! Labels that may not be created (`create_missing_labels = false`) and label colors.

use serde_json::{Value, json};

use crate::support::*;
use crate::sync_settings::*;

// ---------------------------------------------------------------------------------------
// create_missing_labels = false.

#[test]
fn labels_that_may_not_be_created_are_left_off_and_reported_once_each() {
    let s = Setup::new("create_missing_labels = false\n");
    s.emu.add_user(LOGIN);
    // What GitHub already has (in another letter case, for one of them).
    s.emu.create_label(
        OWNER,
        REPO,
        json!({"name": "pm:status:todo", "color": "aaaaaa"}),
    );
    s.emu
        .create_label(OWNER, REPO, json!({"name": "backend", "color": "bbbbbb"}));
    // A second task tagged `Frontend`: the same label on GitHub as TASK-002's `frontend`.
    s.repo.write(
        &format!("{P}/tasks/TASK-003_footer.md"),
        &artifact(
            "TASK-003",
            TASK,
            "Footer",
            "⚪️ Backlog",
            "feature_id = \"FEAT-001\"\ntags = [\"Frontend\"]\n",
            "A footer.\n",
        ),
    );
    s.repo.commit_all("footer");
    let missing = [
        "PM:Type:Task",
        "PM:Type:Bug",
        "PM:Priority:High",
        "PM:Priority:Low",
        "PM:Status:Backlog",
        "PM:Status:InProgress",
        "auth",
        "frontend",
    ];

    for run in 1..=2 {
        s.emu.reset_log();
        let out = s.sync(&[]);
        assert_exit(&out, 1, &format!("run {run} with labels missing"));
        let text = format!("{}{}", stdout(&out), stderr(&out));
        let warnings = lines_with(&text, "warning:");
        for name in missing {
            let naming: Vec<&&str> = warnings
                .iter()
                .filter(|l| {
                    l.to_lowercase()
                        .contains(&format!("`{}`", name.to_lowercase()))
                })
                .collect();
            assert_eq!(
                naming.len(),
                1,
                "run {run}: one warning for {name}:\n{text}"
            );
            assert!(naming[0].contains("create_missing_labels"), "{text}");
        }
        assert_eq!(warnings.len(), missing.len(), "run {run}:\n{text}");

        let writes = s.writes();
        assert!(
            writes.iter().all(|w| !w.contains("/labels")),
            "run {run}: no label is created or set: {writes:#?}"
        );
        if run == 2 {
            assert_eq!(
                writes,
                Vec::<String>::new(),
                "the second run writes nothing"
            );
        }
        let names: Vec<String> = s.label_colors().into_keys().collect();
        assert_eq!(names, ["backend", "pm:status:todo"], "run {run}");

        // The issues exist, with the labels that exist and nothing else.
        assert_eq!(
            label_set(&s.issue("TASK-001")),
            set(&["pm:status:todo", "backend"]),
            "run {run}"
        );
        for id in ["TASK-002", "TASK-003", "BUG-001"] {
            assert!(label_set(&s.issue(id)).is_empty(), "run {run}: {id}");
        }
        assert_eq!(s.emu.issues(OWNER, REPO).len(), 4);
    }

    // `--json` lists each missing label once under `notes`, as incomplete.
    let report = s.sync_json(1);
    let notes = report["projects"][0]["notes"].as_array().expect("notes");
    for name in missing {
        let naming: Vec<&Value> = notes
            .iter()
            .filter(|n| {
                n["message"].as_str().is_some_and(|m| {
                    m.to_lowercase()
                        .contains(&format!("`{}`", name.to_lowercase()))
                })
            })
            .collect();
        assert_eq!(naming.len(), 1, "{name}: {notes:#?}");
        assert_eq!(naming[0]["incomplete"], true, "{name}");
    }
    assert_eq!(notes.len(), missing.len(), "{notes:#?}");
}

// ---------------------------------------------------------------------------------------
// Label colors.

/// The category of a label the demo plan makes, by its name.
fn category(name: &str) -> &'static str {
    if name.starts_with("PM:Status:") {
        "status"
    } else if name.starts_with("PM:Type:") {
        "type"
    } else if name.starts_with("PM:Priority:") {
        "priority"
    } else {
        assert!(!name.contains(':'), "unexpected label {name}");
        "tag"
    }
}

/// Adds a tag and a priority nobody used yet and changes a status to a new one.
fn add_new_labels(s: &Setup) {
    s.edit("tasks/TASK-002_button.md", |t| {
        t.replace("tags = [\"frontend\"]", "tags = [\"frontend\", \"ux\"]")
            .replace("status = \"⚪️ Backlog\"", "status = \"🟣 Review\"")
    });
    s.edit("tasks/BUG-001_typo.md", |t| {
        t.replace("🔽 Low", "🔥 Highest")
    });
}

#[test]
fn labels_get_the_documented_color_of_their_category_in_every_run() {
    // The defaults as docs/SYNC.md states them.
    let docs = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/docs/SYNC.md"))
        .expect("read docs/SYNC.md");
    let defaults = [
        ("status", "1d76db"),
        ("type", "5319e7"),
        ("priority", "d93f0b"),
        ("tag", "c5def5"),
    ];
    for (cat, color) in defaults {
        assert!(
            docs.contains(&format!("{cat} `{color}`")),
            "docs/SYNC.md states {cat} {color}"
        );
    }
    let default_of = |name: &str| {
        let cat = category(name);
        defaults
            .iter()
            .find(|(c, _)| *c == cat)
            .map(|(_, color)| color.to_string())
            .expect("a category with a default")
    };

    let s = Setup::new("");
    s.emu.add_user(LOGIN);
    s.sync_json(0);
    let first = s.label_colors();
    assert_eq!(first.len(), 10, "{first:#?}");
    for (name, color) in &first {
        assert_eq!(*color, default_of(name), "{name}");
    }

    // A later run creates the labels it newly needs with the same colors, and leaves the
    // existing ones as they are.
    add_new_labels(&s);
    s.emu.reset_log();
    s.sync_json(0);
    let writes = s.writes();
    let creates: Vec<&String> = writes.iter().filter(|w| w.contains("/labels")).collect();
    assert_eq!(creates.len(), 3, "{writes:#?}");
    assert!(
        creates.iter().all(|w| w.starts_with("POST ")),
        "{writes:#?}"
    );
    let second = s.label_colors();
    for name in ["ux", "PM:Status:Review", "PM:Priority:Highest"] {
        assert_eq!(
            second.get(name),
            Some(&default_of(name)),
            "{name}: {second:#?}"
        );
    }
    for (name, color) in &first {
        assert_eq!(second.get(name), Some(color), "{name} kept its color");
    }

    // Another repository synced from scratch gets the very same colors.
    let other = Setup::new("");
    other.emu.add_user(LOGIN);
    add_new_labels(&other);
    other.sync_json(0);
    let fresh = other.label_colors();
    assert_eq!(fresh.len(), 11, "{fresh:#?}");
    for (name, color) in &fresh {
        assert_eq!(second.get(name), Some(color), "{name}");
    }
}

#[test]
fn configured_label_colors_are_the_colors_labels_are_created_with() {
    let s = Setup::new(
        "\n[github_integration.mapping.label_colors]\nstatus = \"00ff00\"\ntype = \"#ABCDEF\"\npriority = \"123456\"\ntag = \"fedcba\"\n",
    );
    s.emu.add_user(LOGIN);
    let configured = |name: &str| match category(name) {
        "status" => "00ff00",
        "type" => "abcdef",
        "priority" => "123456",
        _ => "fedcba",
    };
    s.sync_json(0);
    let first = s.label_colors();
    assert_eq!(first.len(), 10, "{first:#?}");
    for (name, color) in &first {
        assert_eq!(color, configured(name), "{name}");
    }
    add_new_labels(&s);
    s.sync_json(0);
    let second = s.label_colors();
    assert_eq!(second.len(), 13, "{second:#?}");
    for (name, color) in &second {
        assert_eq!(color, configured(name), "{name}");
    }
}
