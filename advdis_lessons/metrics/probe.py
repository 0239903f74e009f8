"""Classifier-based metrics: SAP, explicitness, and a leakage probe.

* SAP -- Kumar et al., 2018, "Variational Inference of Disentangled Latent
  Concepts from Unlabeled Observations" (Separated Attribute Predictability).
* Explicitness -- Ridgeway & Mozer, 2018, "Learning Deep Disentangled
  Embeddings with the F-Statistic Loss".
* ``probe_accuracy`` -- not a published metric: a fresh classifier trained to
  read a label from chosen code dims, used by later lessons to measure how
  much of a label "leaks" into dims that should not carry it.
"""

from __future__ import annotations

import warnings
from typing import Any, Sequence

import numpy as np
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score
from sklearn.neural_network import MLPClassifier
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.svm import LinearSVC

from advdis_lessons.metrics.common import check_codes, check_labels, check_train_test, single_threaded


def sap_matrix(
    codes_train: np.ndarray, factors_train: np.ndarray, codes_test: np.ndarray, factors_test: np.ndarray
) -> np.ndarray:
    """Test accuracy of a linear SVM reading factor k from code dim j alone, shape (d, K)."""
    d, n_factors = codes_train.shape[1], factors_train.shape[1]
    scores = np.zeros((d, n_factors))
    for j in range(d):
        for k in range(n_factors):
            svm = LinearSVC(C=0.01, class_weight="balanced")
            svm.fit(codes_train[:, j : j + 1], factors_train[:, k])
            scores[j, k] = np.mean(svm.predict(codes_test[:, j : j + 1]) == factors_test[:, k])
    return scores


@single_threaded
def sap(codes_train: Any, factors_train: Any, codes_test: Any, factors_test: Any) -> float:
    """Separated Attribute Predictability (Kumar et al., 2018).

    For every (code dim, factor) pair a linear SVM (C=0.01, balanced classes)
    predicts the factor from that single dim; per factor, the gap between the
    best and second-best dim's test accuracy is averaged over factors.  A
    linear classifier on one dim separates few classes of a many-valued factor,
    so even a perfect code scores well below 1 on dSprites.
    """
    ctr, ftr, cte, fte = check_train_test(codes_train, factors_train, codes_test, factors_test, "SAP")
    scores = sap_matrix(ctr, ftr, cte, fte)
    if scores.shape[0] < 2:
        return float(np.mean(scores))
    top_two = -np.sort(-scores, axis=0)[:2]
    return float(np.mean(top_two[0] - top_two[1]))


def standardise_train_test(train: np.ndarray, test: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Z-score both sets with the training mean and std (constant dims keep std 1)."""
    mean, std = train.mean(axis=0), train.std(axis=0)
    std = np.where(std > 0, std, 1.0)
    return (train - mean) / std, (test - mean) / std


def _explicit_auc(ztr: np.ndarray, ytr: np.ndarray, zte: np.ndarray, yte: np.ndarray) -> float:
    """Macro one-vs-rest ROC-AUC of a logistic regression over the classes seen in training."""
    clf = LogisticRegression(max_iter=1000).fit(ztr, ytr)  # lbfgs: deterministic
    proba = clf.predict_proba(zte)
    aucs = []
    for i, cls in enumerate(clf.classes_):
        positive = yte == cls
        if 0 < positive.sum() < len(yte):  # AUC needs both outcomes in the test set
            aucs.append(roc_auc_score(positive, proba[:, i]))
    return float(np.mean(aucs)) if aucs else 0.5


@single_threaded
def explicitness(codes_train: Any, factors_train: Any, codes_test: Any, factors_test: Any) -> float:
    """Explicitness (Ridgeway & Mozer, 2018): how linearly readable each factor is.

    Per factor a logistic regression on the standardised codes predicts class
    probabilities; the score is its one-vs-rest ROC-AUC on the test set,
    averaged over classes and then over factors.  0.5 is chance, 1 is perfect.
    """
    ctr, ftr, cte, fte = check_train_test(codes_train, factors_train, codes_test, factors_test, "explicitness")
    ztr, zte = standardise_train_test(ctr, cte)
    return float(np.mean([_explicit_auc(ztr, ftr[:, k], zte, fte[:, k]) for k in range(ftr.shape[1])]))


def _check_dims(dims: Sequence[int] | None, d: int) -> np.ndarray:
    if dims is None:
        return np.arange(d)
    arr = np.asarray(dims)
    if arr.ndim != 1 or arr.size == 0 or arr.dtype.kind not in "iu":
        raise ValueError(f"dims must be a non-empty list of integer code dims; got {dims!r}")
    bad = arr[(arr < 0) | (arr >= d)]
    if bad.size:
        raise ValueError(f"dims {bad.tolist()} out of range: codes have {d} dims (0..{d - 1})")
    return arr


def _as_label_matrix(labels: Any, name: str, n: int, codes_name: str) -> np.ndarray:
    arr = np.asarray(labels.detach().cpu() if hasattr(labels, "detach") else labels)
    if arr.ndim == 1:
        arr = arr[:, None]
    if arr.ndim != 2 or arr.shape[1] != 1:
        raise ValueError(f"{name} must be 1-D (one label per sample); got shape {arr.shape}")
    return check_labels(arr, name, n, codes_name)[:, 0]


@single_threaded
def _fit_quietly(model: Any, x: np.ndarray, y: np.ndarray) -> Any:
    """``model.fit(x, y)`` without the convergence warning of a deliberately capped MLP."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return model.fit(x, y)


def probe_accuracy(
    codes_train: Any,
    labels_train: Any,
    codes_test: Any,
    labels_test: Any,
    dims: Sequence[int] | None = None,
    *,
    seed: int = 0,
) -> dict[str, float]:
    """Test accuracy of fresh classifiers reading a label from code dims ``dims``.

    Returns ``dict(logistic, mlp, chance)``: a logistic regression on
    standardised codes (linear leakage), a small MLP (nonlinear leakage), and
    the accuracy of always predicting the training set's majority class.
    Probe accuracy well above chance means the dims carry the label. The MLP
    trains for at most 60 epochs (with early stopping) to keep probes to
    seconds: its accuracy is a lower bound on what the dims carry, and the
    "maximum iterations reached" warning that says so is silenced here.
    """
    ctr = check_codes(codes_train, "codes_train")
    cte = check_codes(codes_test, "codes_test", min_samples=1)
    if ctr.shape[1] != cte.shape[1]:
        raise ValueError(f"codes_train has {ctr.shape[1]} dims but codes_test has {cte.shape[1]}")
    ytr = _as_label_matrix(labels_train, "labels_train", len(ctr), "codes_train")
    yte = _as_label_matrix(labels_test, "labels_test", len(cte), "codes_test")
    if np.unique(ytr).size < 2:
        raise ValueError(f"labels_train takes one value only ({ytr[0]}); a probe needs ≥ 2 classes")
    cols = _check_dims(dims, ctr.shape[1])
    xtr, xte = ctr[:, cols], cte[:, cols]
    logistic = make_pipeline(StandardScaler(), LogisticRegression(max_iter=1000, random_state=seed))
    mlp = make_pipeline(
        StandardScaler(),
        MLPClassifier(hidden_layer_sizes=(128, 128), early_stopping=True, max_iter=60, random_state=seed),
    )
    values, counts = np.unique(ytr, return_counts=True)
    return {
        "logistic": float(np.mean(logistic.fit(xtr, ytr).predict(xte) == yte)),
        "mlp": float(np.mean(_fit_quietly(mlp, xtr, ytr).predict(xte) == yte)),
        "chance": float(np.mean(yte == values[np.argmax(counts)])),
    }
