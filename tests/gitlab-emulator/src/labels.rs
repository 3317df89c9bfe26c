//! Project labels: `GET|POST /projects/:id/labels`,
//! `GET|PUT|DELETE /projects/:id/labels/:label_id` (id or title).

use serde_json::Value;

use crate::api::{Ctx, Page, Params, Reply, Res, message, not_found, paginate, validation};
use crate::model::{Label, Project, State, label_json};

/// The colour of labels created on the fly (`Label::DEFAULT_COLOR`).
pub(crate) const DEFAULT_COLOR: &str = "#6699cc";

/// `Gitlab::Color.of`: a CSS name becomes its hex value; anything else is
/// kept as given (trimmed).
pub(crate) fn normalize_color(input: &str) -> String {
    let trimmed = input.trim();
    let lower = trimmed.to_ascii_lowercase();
    COLOR_NAMES
        .iter()
        .find(|(name, _)| *name == lower)
        .map_or_else(|| trimmed.to_string(), |(_, hex)| (*hex).to_string())
}

/// `Gitlab::Color::PATTERN`: `#` and 3 or 6 hex digits.
pub(crate) fn valid_color(color: &str) -> bool {
    color
        .strip_prefix('#')
        .is_some_and(|h| (h.len() == 3 || h.len() == 6) && h.bytes().all(|b| b.is_ascii_hexdigit()))
}

fn title_errors(
    project: &Project,
    title: &str,
    except: Option<u64>,
) -> Vec<(&'static str, String)> {
    let mut errors = Vec::new();
    if title.trim().is_empty() {
        errors.push(("title", "can't be blank".to_string()));
    } else if title.contains(',') {
        errors.push(("title", "is invalid".to_string()));
    }
    if title.chars().count() > 255 {
        errors.push((
            "title",
            "is too long (maximum is 255 characters)".to_string(),
        ));
    }
    if project
        .labels
        .iter()
        .any(|l| l.name == title && Some(l.id) != except)
    {
        errors.push(("title", "has already been taken".to_string()));
    }
    errors
}

/// Finds or creates labels by name, in order (issue `labels`/`add_labels`).
pub(crate) fn ensure_labels(state: &mut State, pidx: usize, names: &[String]) -> Vec<u64> {
    let mut ids = Vec::new();
    for name in names {
        let id = match state.projects[pidx].label_by_name(name) {
            Some(l) => l.id,
            None => {
                let id = state.next_id("label");
                state.projects[pidx].labels.push(Label {
                    id,
                    name: name.clone(),
                    color: DEFAULT_COLOR.to_string(),
                    description: None,
                });
                id
            }
        };
        if !ids.contains(&id) {
            ids.push(id);
        }
    }
    ids
}

pub(crate) fn list(
    state: &State,
    pidx: usize,
    params: &Params,
    page: &Page<'_>,
    ctx: &Ctx<'_>,
) -> Res {
    let project = &state.projects[pidx];
    let with_counts = params.bool("with_counts")?.unwrap_or(false);
    let search = params.text("search").map(|s| s.to_lowercase());
    let mut labels: Vec<&Label> = project
        .labels
        .iter()
        .filter(|l| {
            search
                .as_ref()
                .is_none_or(|s| l.name.to_lowercase().contains(s))
        })
        .collect();
    labels.sort_by(|a, b| a.name.cmp(&b.name).then(a.id.cmp(&b.id)));
    let items: Vec<Value> = labels
        .iter()
        .map(|l| label_json(project, l, with_counts))
        .collect();
    paginate(ctx, params, page, items)
}

pub(crate) fn create(state: &mut State, _ctx: &Ctx<'_>, pidx: usize, params: &Params) -> Res {
    params.require(&["name", "color"])?;
    let name = params.text("name").unwrap_or_default();
    if state.projects[pidx].label_by_name(&name).is_some() {
        return Err(message(409, "Label already exists"));
    }
    let color = normalize_color(&params.text("color").unwrap_or_default());
    let mut errors = title_errors(&state.projects[pidx], &name, None);
    if !valid_color(&color) {
        errors.push(("color", "must be a valid color code".to_string()));
    }
    if !errors.is_empty() {
        return Err(validation(&errors));
    }
    let id = state.next_id("label");
    let label = Label {
        id,
        name,
        color,
        description: params.text("description"),
    };
    let project = &mut state.projects[pidx];
    project.labels.push(label.clone());
    Ok(Reply::json(201, label_json(project, &label, false)))
}

fn find(project: &Project, id_or_title: &str) -> Option<usize> {
    id_or_title
        .parse::<u64>()
        .ok()
        .and_then(|id| project.labels.iter().position(|l| l.id == id))
        .or_else(|| project.labels.iter().position(|l| l.name == id_or_title))
}

pub(crate) fn one(state: &mut State, pidx: usize, method: &str, id: &str, params: &Params) -> Res {
    let project = &mut state.projects[pidx];
    let pos = find(project, id).ok_or_else(|| not_found("Label"))?;
    match method {
        "GET" => Ok(Reply::json(
            200,
            label_json(project, &project.labels[pos], false),
        )),
        "DELETE" => {
            let label = project.labels.remove(pos);
            for issue in project.issues.values_mut() {
                issue.labels.retain(|l| *l != label.id);
            }
            Ok(Reply::no_content())
        }
        _ => {
            params.at_least_one_of(&["new_name", "color", "description", "priority"])?;
            let mut label = project.labels[pos].clone();
            let mut errors = Vec::new();
            if let Some(new_name) = params.string("new_name") {
                label.name = new_name.unwrap_or_default();
                errors.extend(title_errors(project, &label.name, Some(label.id)));
            }
            if let Some(color) = params.string("color") {
                label.color = normalize_color(&color.unwrap_or_default());
                if !valid_color(&label.color) {
                    errors.push(("color", "must be a valid color code".to_string()));
                }
            }
            if let Some(description) = params.string("description") {
                label.description = description;
            }
            if !errors.is_empty() {
                return Err(validation(&errors));
            }
            project.labels[pos] = label.clone();
            Ok(Reply::json(200, label_json(project, &label, false)))
        }
    }
}

/// CSS colour names GitLab accepts for labels (`Gitlab::Color::Constants`).
const COLOR_NAMES: &[(&str, &str)] = &[
    ("black", "#000000"),
    ("silver", "#C0C0C0"),
    ("gray", "#808080"),
    ("white", "#FFFFFF"),
    ("maroon", "#800000"),
    ("red", "#FF0000"),
    ("purple", "#800080"),
    ("fuchsia", "#FF00FF"),
    ("green", "#008000"),
    ("lime", "#00FF00"),
    ("olive", "#808000"),
    ("yellow", "#FFFF00"),
    ("navy", "#000080"),
    ("blue", "#0000FF"),
    ("teal", "#008080"),
    ("aqua", "#00FFFF"),
    ("orange", "#FFA500"),
    ("aliceblue", "#F0F8FF"),
    ("antiquewhite", "#FAEBD7"),
    ("aquamarine", "#7FFFD4"),
    ("azure", "#F0FFFF"),
    ("beige", "#F5F5DC"),
    ("bisque", "#FFE4C4"),
    ("blanchedalmond", "#FFEBCD"),
    ("blueviolet", "#8A2BE2"),
    ("brown", "#A52A2A"),
    ("burlywood", "#DEB887"),
    ("cadetblue", "#5F9EA0"),
    ("chartreuse", "#7FFF00"),
    ("chocolate", "#D2691E"),
    ("coral", "#FF7F50"),
    ("cornflowerblue", "#6495ED"),
    ("cornsilk", "#FFF8DC"),
    ("crimson", "#DC143C"),
    ("darkblue", "#00008B"),
    ("darkcyan", "#008B8B"),
    ("darkgoldenrod", "#B8860B"),
    ("darkgray", "#A9A9A9"),
    ("darkgreen", "#006400"),
    ("darkgrey", "#A9A9A9"),
    ("darkkhaki", "#BDB76B"),
    ("darkmagenta", "#8B008B"),
    ("darkolivegreen", "#556B2F"),
    ("darkorange", "#FF8C00"),
    ("darkorchid", "#9932CC"),
    ("darkred", "#8B0000"),
    ("darksalmon", "#E9967A"),
    ("darkseagreen", "#8FBC8F"),
    ("darkslateblue", "#483D8B"),
    ("darkslategray", "#2F4F4F"),
    ("darkslategrey", "#2F4F4F"),
    ("darkturquoise", "#00CED1"),
    ("darkviolet", "#9400D3"),
    ("deeppink", "#FF1493"),
    ("deepskyblue", "#00BFFF"),
    ("dimgray", "#696969"),
    ("dimgrey", "#696969"),
    ("dodgerblue", "#1E90FF"),
    ("firebrick", "#B22222"),
    ("floralwhite", "#FFFAF0"),
    ("forestgreen", "#228B22"),
    ("gainsboro", "#DCDCDC"),
    ("ghostwhite", "#F8F8FF"),
    ("gold", "#FFD700"),
    ("goldenrod", "#DAA520"),
    ("greenyellow", "#ADFF2F"),
    ("grey", "#808080"),
    ("honeydew", "#F0FFF0"),
    ("hotpink", "#FF69B4"),
    ("indianred", "#CD5C5C"),
    ("indigo", "#4B0082"),
    ("ivory", "#FFFFF0"),
    ("khaki", "#F0E68C"),
    ("lavender", "#E6E6FA"),
    ("lavenderblush", "#FFF0F5"),
    ("lawngreen", "#7CFC00"),
    ("lemonchiffon", "#FFFACD"),
    ("lightblue", "#ADD8E6"),
    ("lightcoral", "#F08080"),
    ("lightcyan", "#E0FFFF"),
    ("lightgoldenrodyellow", "#FAFAD2"),
    ("lightgray", "#D3D3D3"),
    ("lightgreen", "#90EE90"),
    ("lightgrey", "#D3D3D3"),
    ("lightpink", "#FFB6C1"),
    ("lightsalmon", "#FFA07A"),
    ("lightseagreen", "#20B2AA"),
    ("lightskyblue", "#87CEFA"),
    ("lightslategray", "#778899"),
    ("lightslategrey", "#778899"),
    ("lightsteelblue", "#B0C4DE"),
    ("lightyellow", "#FFFFE0"),
    ("limegreen", "#32CD32"),
    ("linen", "#FAF0E6"),
    ("mediumaquamarine", "#66CDAA"),
    ("mediumblue", "#0000CD"),
    ("mediumorchid", "#BA55D3"),
    ("mediumpurple", "#9370DB"),
    ("mediumseagreen", "#3CB371"),
    ("mediumslateblue", "#7B68EE"),
    ("mediumspringgreen", "#00FA9A"),
    ("mediumturquoise", "#48D1CC"),
    ("mediumvioletred", "#C71585"),
    ("midnightblue", "#191970"),
    ("mintcream", "#F5FFFA"),
    ("mistyrose", "#FFE4E1"),
    ("moccasin", "#FFE4B5"),
    ("navajowhite", "#FFDEAD"),
    ("oldlace", "#FDF5E6"),
    ("olivedrab", "#6B8E23"),
    ("orangered", "#FF4500"),
    ("orchid", "#DA70D6"),
    ("palegoldenrod", "#EEE8AA"),
    ("palegreen", "#98FB98"),
    ("paleturquoise", "#AFEEEE"),
    ("palevioletred", "#DB7093"),
    ("papayawhip", "#FFEFD5"),
    ("peachpuff", "#FFDAB9"),
    ("peru", "#CD853F"),
    ("pink", "#FFC0CB"),
    ("plum", "#DDA0DD"),
    ("powderblue", "#B0E0E6"),
    ("rosybrown", "#BC8F8F"),
    ("royalblue", "#4169E1"),
    ("saddlebrown", "#8B4513"),
    ("salmon", "#FA8072"),
    ("sandybrown", "#F4A460"),
    ("seagreen", "#2E8B57"),
    ("seashell", "#FFF5EE"),
    ("sienna", "#A0522D"),
    ("skyblue", "#87CEEB"),
    ("slateblue", "#6A5ACD"),
    ("slategray", "#708090"),
    ("slategrey", "#708090"),
    ("snow", "#FFFAFA"),
    ("springgreen", "#00FF7F"),
    ("steelblue", "#4682B4"),
    ("tan", "#D2B48C"),
    ("thistle", "#D8BFD8"),
    ("tomato", "#FF6347"),
    ("turquoise", "#40E0D0"),
    ("violet", "#EE82EE"),
    ("wheat", "#F5DEB3"),
    ("whitesmoke", "#F5F5F5"),
    ("yellowgreen", "#9ACD32"),
    ("rebeccapurple", "#663399"),
];
