"""``amends train``: rebuild the learned layer from the labelled sets, byte for byte.

Trains one logistic regression per label (scikit-learn's liblinear, seeded, on sparse input, so
the same data gives the same weights) on the ``train`` set and the dev set, over the features
``learned.py`` computes at run time, and writes ``data/model/learned.json``. Weights are rounded
so the file does not depend on the last bits of floating point. Needs the ``train`` extra
(scikit-learn) and the shared data folder; the validation split is never read.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from . import labelled
from .analyzer import Analyzer
from .learned import FORMAT, NEEDED, rule_features, word_features, words
from .model import LABELS, Config

TRAIN_SETS = ("train", "dev")
MIN_POSITIVES = 8  # a label with fewer positive examples is left to the rules
C = 2.0
MIN_DF = 2
DIGITS = 4
# The model adds a label only where that helps: per label, the probability from which the
# additions (replies where the rules did not find the label) give the best F1 of the rules' labels
# OR the additions, out of fold in company-grouped cross-validation on the training rows, among
# the thresholds whose additions were right at least ADD_PRECISION of the time (at least
# MIN_ADDED of them; counted as (right + 1) / (added + 2), so a handful is not enough); a label
# whose F1 no threshold raises is left to the rules. The label models read the reply's words
# only: the rules were written from these rows, so a rule's answer is more reliable here than on
# replies nobody tuned for, and a model leaning on it adds less.
ADD_PRECISION = 0.75
MIN_ADDED = 3
THRESHOLDS_TRIED = tuple(round(0.3 + 0.05 * i, 2) for i in range(14))  # 0.3 ... 0.95
FOLDS = 4


def training_rows(sets: Sequence[str] = TRAIN_SETS) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    held = labelled.validation_ids()
    for name in sets:
        for row in labelled.load(name):
            if row["id"] in held:
                raise ValueError(f"{name}: row {row['id']} belongs to the validation split")
            rows.append(row)
    return rows


def data_hash(rows: Sequence[dict[str, Any]]) -> str:
    """sha256 of the training rows' texts and labels, independent of their order."""
    canon = sorted(
        json.dumps(
            [str(r["id"]), r["reply"], r.get("customer") or "", [int(r[k]) for k in LABELS]],
            ensure_ascii=False,
        )
        for r in rows
    )
    return hashlib.sha256("\n".join(canon).encode("utf-8")).hexdigest()


def _folds(rows: Sequence[dict[str, Any]]) -> list[list[int]]:
    """Row indices in FOLDS groups: a company's replies together (Mozilla's spread by id)."""

    def group(row: dict[str, Any]) -> str:
        company = row.get("company") or ""
        if not company or company == "firefox":
            return hashlib.sha256(str(row["id"]).encode()).hexdigest()
        return company

    names = sorted({group(r) for r in rows}, key=lambda g: hashlib.sha256(g.encode()).hexdigest())
    fold_of = {g: i % FOLDS for i, g in enumerate(names)}
    folds: list[list[int]] = [[] for _ in range(FOLDS)]
    for i, row in enumerate(rows):
        folds[fold_of[group(row)]].append(i)
    return folds


def _f1(gold: Any, predicted: Any) -> float:
    tp = int((gold & predicted).sum())
    wrong = int((gold ^ predicted).sum())
    return 2 * tp / (2 * tp + wrong) if tp else 0.0


def _out_of_fold(make_x: Any, y: list[int], folds: list[list[int]]) -> Any:
    """Each row's probability from a model fitted on the other folds (features fitted there too),
    or None when a fold's training part has too few positives."""
    import numpy as np
    from sklearn.linear_model import LogisticRegression

    target = np.array(y)
    probability = np.zeros(len(y))
    everything = np.arange(len(y))
    for held in folds:
        rest = np.setdiff1d(everything, held)
        if target[rest].sum() < 2:
            return None
        x_rest, x_held = make_x(rest.tolist(), list(held))
        model = LogisticRegression(
            C=C, class_weight="balanced", solver="liblinear", random_state=0, max_iter=1000
        ).fit(x_rest, target[rest])
        probability[held] = model.predict_proba(x_held)[:, 1]
    return probability


def _threshold(
    probability: Any, y: list[int], rules: list[bool], found: list[bool]
) -> float | None:
    """The probability from which additions give the best out-of-fold F1 of rules OR additions,
    among those whose additions reach ADD_PRECISION; None when none beats the rules alone."""
    import numpy as np

    target = np.array(y, dtype=bool)
    by_rules = np.array(rules, dtype=bool)
    open_rows = ~np.array(found, dtype=bool)
    best, chosen = _f1(target, by_rules), None
    for t in THRESHOLDS_TRIED:
        added = open_rows & (probability >= t)
        # add-one smoothing: four right of five is not yet 80% (5 / 7)
        right = (int(target[added].sum()) + 1) / (int(added.sum()) + 2)
        if added.sum() < MIN_ADDED or right < ADD_PRECISION:
            continue
        score = _f1(target, by_rules | added)
        if score > best:
            best, chosen = score, t
    return chosen


def _needed_threshold(probability: Any, y: list[int], signs: list[bool]) -> float:
    """The needed head decides where the rules saw no sign of an apology: the probability with
    the best out-of-fold F1 of that decision (the lowest of equals)."""
    import numpy as np

    target = np.array(y, dtype=bool)
    signed = np.array(signs, dtype=bool)
    return max(THRESHOLDS_TRIED, key=lambda t: (_f1(target, signed | (probability >= t)), -t))


def _code(label: str) -> str:
    return f"X{101 + LABELS.index(label)}"


def train(rows: Sequence[dict[str, Any]], sets: Sequence[str] = TRAIN_SETS) -> dict[str, Any]:
    try:
        from scipy.sparse import csr_matrix, hstack
        from sklearn.feature_extraction.text import TfidfVectorizer
        from sklearn.linear_model import LogisticRegression
    except ImportError as exc:  # pragma: no cover - depends on the environment
        raise SystemExit("amends train needs scikit-learn: pip install -e '.[train]'") from exc
    from .analyzer import _APOLOGY_SIGNS

    rules_only = Analyzer(Config(), learned=None)
    texts: list[list[str]] = []
    customers: list[list[str]] = []
    rule_rows: list[list[str]] = []
    first_pass: list[set[str]] = []  # what the rules found, where the model may add
    rule_labels: list[set[str]] = []  # the rules' final labels (after the customer's message)
    for row in rows:
        customer = row.get("customer") or None
        doc = rules_only.normalise(row["reply"])
        customer_doc = rules_only.normalise(customer) if customer else None
        _, present, situation = rules_only.rule_pass(doc, customer_doc)
        texts.append(words(doc.text))
        customers.append(words(customer_doc.text) if customer_doc else [])
        rule_rows.append(rule_features([x for x in LABELS if x in present], situation))
        first_pass.append(present)
        rule_labels.append(set(rules_only.analyze(row["reply"], customer).labels))

    def analyse(tokens: list[str]) -> list[str]:
        counts = word_features(tokens)
        return [t for t, n in counts.items() for _ in range(n)]

    def analyse_customer(tokens: list[str]) -> list[str]:
        return ["c:" + t for t in analyse(tokens)]

    def vectoriser(customer: bool = False) -> Any:
        return TfidfVectorizer(
            analyzer=analyse_customer if customer else analyse,
            min_df=MIN_DF,
            sublinear_tf=True,
            norm="l2",
        )

    rule_names = sorted({f for r in rule_rows for f in r})
    index = {f: i for i, f in enumerate(rule_names)}

    def rule_matrix(ids: Sequence[int]) -> Any:
        data, cols, ptr = [], [], [0]
        for i in ids:
            for f in sorted(set(rule_rows[i])):
                data.append(1.0)
                cols.append(index[f])
            ptr.append(len(cols))
        return csr_matrix((data, cols, ptr), shape=(len(ids), len(rule_names)))

    def reply_x(fit: Sequence[int], apply: Sequence[int]) -> tuple[Any, Any]:
        v = vectoriser()
        return v.fit_transform([texts[i] for i in fit]), v.transform([texts[i] for i in apply])

    def case_x(fit: Sequence[int], apply: Sequence[int]) -> tuple[Any, Any]:
        v, c = vectoriser(), vectoriser(customer=True)
        x_fit = hstack(
            [
                v.fit_transform([texts[i] for i in fit]),
                c.fit_transform([customers[i] for i in fit]),
                rule_matrix(fit),
            ]
        ).tocsr()
        x_apply = hstack(
            [
                v.transform([texts[i] for i in apply]),
                c.transform([customers[i] for i in apply]),
                rule_matrix(apply),
            ]
        ).tocsr()
        return x_fit, x_apply

    everything = list(range(len(rows)))
    word_vectoriser = vectoriser()
    x_words = word_vectoriser.fit_transform(texts)
    vocabulary = word_vectoriser.get_feature_names_out().tolist()
    customer_vectoriser = vectoriser(customer=True)
    x_customer = customer_vectoriser.fit_transform(customers)
    customer_vocabulary = customer_vectoriser.get_feature_names_out().tolist()
    x_case = hstack([x_words, x_customer, rule_matrix(everything)]).tocsr()
    width = len(vocabulary)
    names = vocabulary + customer_vocabulary + rule_names
    modelled: list[dict[str, Any]] = []
    columns: list[list[float]] = []
    targets = [(label, [int(r[label]) for r in rows]) for label in LABELS]
    targets.append((NEEDED, [int(r.get("quality") is not None) for r in rows]))
    folds = _folds(rows)
    for label, y in targets:
        if sum(y) < MIN_POSITIVES:
            continue
        # the labels are read in the reply's words; whether an apology was due, in the case
        probability = _out_of_fold(case_x if label == NEEDED else reply_x, y, folds)
        if probability is None:
            continue
        if label == NEEDED:
            signs = [bool(p & _APOLOGY_SIGNS) for p in first_pass]
            threshold: float | None = _needed_threshold(probability, y, signs)
        else:
            threshold = _threshold(
                probability,
                y,
                [label in r for r in rule_labels],
                [label in p for p in first_pass],
            )
            if threshold is None:
                continue
        model = LogisticRegression(
            C=C, class_weight="balanced", solver="liblinear", random_state=0, max_iter=1000
        ).fit(x_case if label == NEEDED else x_words, y)
        coef = [round(float(w), DIGITS) for w in model.coef_[0]]
        if label != NEEDED:  # no weight on the customer's words or the rules: zeros
            coef = coef[:width] + [0.0] * (len(customer_vocabulary) + len(rule_names))
        modelled.append(
            {
                "label": label,
                "code": _code(label) if label != NEEDED else "X100",
                "bias": round(float(model.intercept_[0]), DIGITS),
                "threshold": threshold,
                "positives": sum(y),
            }
        )
        columns.append(coef)
    weights: dict[str, list[list[float]]] = {}
    for j, name in enumerate(names):
        row = [[i, col[j]] for i, col in enumerate(columns) if col[j]]
        if row:
            weights[name] = row
    idf = {
        t: round(float(v), DIGITS)
        for t, v in zip(
            vocabulary + customer_vocabulary,
            word_vectoriser.idf_.tolist() + customer_vectoriser.idf_.tolist(),
            strict=True,
        )
        if t in weights
    }
    body = {"labels": modelled, "idf": idf, "weights": weights}
    version = hashlib.sha256(json.dumps(body, sort_keys=True).encode()).hexdigest()[:12]
    return {
        "format": FORMAT,
        "version": version,
        "data_hash": data_hash(rows),
        "trained_on": {
            "sets": list(sets),
            "rows": len(rows),
            "min_df": MIN_DF,
            "C": C,
            "add_precision": ADD_PRECISION,
        },
        **body,
    }


def dump(model: dict[str, Any]) -> str:
    return json.dumps(model, sort_keys=True, ensure_ascii=False, separators=(",", ":")) + "\n"


def build(out: Path, sets: Sequence[str] = TRAIN_SETS) -> dict[str, Any]:
    model = train(training_rows(sets), sets)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(dump(model), encoding="utf-8")
    return model


# The score: points per label fitted on the gold labels of the training rows that a person rated
# (quality 1-5), by least squares with components kept >= 0 and mistakes <= 0, so the score is a
# sum a reader can check. Quality q is centred on score 25 * (q - 1).
POINTS_PER_QUALITY = 25.0
THRESHOLDS = (12.5, 37.5, 62.5, 87.5)


def fit_weights(rows: Sequence[dict[str, Any]]) -> dict[str, Any]:
    import numpy as np
    from scipy.optimize import nnls

    from .model import COMPONENTS

    rated = [r for r in rows if r.get("quality") is not None]
    sign = np.array([1.0 if label in COMPONENTS else -1.0 for label in LABELS])
    x = np.array([[float(r[label]) for label in LABELS] for r in rated]) * sign
    ones = np.ones((len(rated), 1))
    coef, _ = nnls(np.hstack([x, ones, -ones]), np.array([float(r["quality"]) for r in rated]))
    intercept = coef[len(LABELS)] - coef[len(LABELS) + 1]
    points = {
        label: round(float(POINTS_PER_QUALITY * coef[i]), 1) for i, label in enumerate(LABELS)
    }
    return {
        "base": round(float(POINTS_PER_QUALITY * (intercept - 1.0)), 1),
        "points": points,
        "rows": len(rated),
    }


def render_weights(fitted: dict[str, Any], current: str, sets: Sequence[str]) -> str:
    """weights.yaml with the fitted numbers; the reasons and the expected components are kept."""
    import yaml

    from .model import COMPONENTS, MISTAKES

    raw = yaml.safe_load(current)
    out = [
        "# What a reply scores, as data. Generated by `amends train` (src/amends/train.py):",
        "# edit the reasons and the expected components here; the numbers are refitted from",
        "# the labelled sets.",
        "#",
        f"# Points were fitted on the {fitted['rows']} replies of the sets {', '.join(sets)}",
        "# that a person rated 1-5 (validation never), by least squares of the rating on the",
        "# gold labels,",
        "# components kept >= 0 and mistakes <= 0: score = base + the points of each component",
        "# present - the points of each kind of mistake, clipped to 0-100; quality q is centred on",
        "# 25 * (q - 1). A reply that needed no apology gets no score and no quality.",
        f"base: {fitted['base']}",
    ]
    for group, labels in (("components", COMPONENTS), ("mistakes", MISTAKES)):
        out.append(f"{group}:")
        order = sorted(labels, key=lambda label: -abs(fitted["points"][label]))
        for label in order:
            why = json.dumps(raw[group][label]["why"], ensure_ascii=False)
            out.append(f"  {label}: {{points: {abs(fitted['points'][label])}, why: {why}}}")
    out += [
        "# The components a reply is measured against, by cause (they are reported as missing",
        "# when absent; see taxonomy.md, situations), and, under first_contact, while the reply is",
        "# still asking for what is needed to find out what happened (no cause, fault or fix yet).",
        "expected:",
    ]
    for cause, listed in raw["expected"].items():
        out.append(f"  {cause}: [{', '.join(listed)}]")
    out.append("# Lowest score for quality 2, 3, 4 and 5.")
    out.append(f"quality_thresholds: [{', '.join(str(t) for t in THRESHOLDS)}]")
    return "\n".join(out) + "\n"
