"""Figures of assignment 01: binary classification."""
from __future__ import annotations

import numpy as np

from ._util import LABEL_COLORS, LABEL_MARKERS, LABEL_REGIONS, figure

_NAMES = {0: "fails target (label 0)", 1: "meets target (label 1)"}


@figure
def plot_mpg_labels(cars, labels, target: float = 30.0):
    """Weight against MPG, each car coloured by its label."""
    import matplotlib.pyplot as plt

    labels = np.asarray(labels)
    fig, ax = plt.subplots(figsize=(6.5, 4))
    for label in (0, 1):
        mask = labels == label
        ax.scatter(cars["weight"][mask], cars["mpg"][mask], s=12, c=LABEL_COLORS[label],
                   marker=LABEL_MARKERS[label], label=_NAMES[label])
    ax.axhline(target, color="gray", ls="--", lw=1)
    ax.text(ax.get_xlim()[1], target, f" target: {target:g} mpg", va="bottom", ha="right",
            color="gray")
    ax.set(xlabel="weight (lbs)", ylabel="fuel efficiency (mpg)", title="Which cars meet the target?")
    ax.legend()
    fig.course_description = (f"Scatter plot of weight against fuel efficiency for {len(labels)} cars: "
                              f"{int(np.sum(labels == 1))} meet the {target:g} mpg target (blue discs), "
                              f"{int(np.sum(labels == 0))} do not (orange squares); the light cars are the efficient ones.")
    return fig


@figure
def plot_regression_on_labels(cars, labels):
    """The labels (0/1) against weight, with a least-squares line through them."""
    import matplotlib.pyplot as plt

    labels = np.asarray(labels, dtype=float)
    weight = cars["weight"].to_numpy(dtype=float)
    slope, intercept = np.polyfit(weight, labels, 1)
    grid = np.linspace(1000, 6000, 100)
    fig, ax = plt.subplots(figsize=(6.5, 4))
    for label in (0, 1):
        mask = labels == label
        ax.scatter(weight[mask], labels[mask], s=12, c=LABEL_COLORS[label], marker=LABEL_MARKERS[label],
                   label=_NAMES[label])
    ax.plot(grid, slope * grid + intercept, color="black", label="least-squares line")
    for w in (1000, 6000):
        ax.annotate(f"{slope * w + intercept:.2f} at {w} lbs", (w, slope * w + intercept),
                    textcoords="offset points", xytext=(10 if w < 3000 else -120, 10))
    ax.axhspan(0, 1, color="gray", alpha=0.08)
    ax.set(xlabel="weight (lbs)", ylabel="label y", ylim=(-0.6, 1.6),
           title="A regression line through 0/1 labels")
    ax.legend(loc="upper right")
    fig.course_description = (f"The 0/1 labels against weight with a least-squares line, which predicts "
                              f"{slope * 1000 + intercept:.2f} at 1000 lbs and {slope * 6000 + intercept:.2f} at "
                              "6000 lbs: values outside [0, 1] that no label has.")
    return fig


@figure
def plot_step_function():
    """f(z) = I(z >= 0): the thresholded linear rule in one dimension."""
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(6, 2.8))
    ax.plot([-3, 0], [0, 0], color="black", lw=2)
    ax.plot([0, 3], [1, 1], color="black", lw=2)
    ax.plot([0], [1], "o", color="black")
    ax.plot([0], [0], "o", mfc="white", color="black")
    ax.set(xlabel=r"score $z = x^T w$", ylabel=r"$f = \mathbb{I}(z \geq 0)$", yticks=[0, 1],
           title="The prediction jumps from 0 to 1 at z = 0 (and z = 0 itself is class 1)")
    fig.course_description = ("The step function: the prediction is 0 for every negative score z "
                              "and jumps to 1 at z = 0, which itself is class 1.")
    return fig


@figure
def plot_boundary_geometry(linear_classify, w=(2.0, 1.0)):
    """A weight vector, its perpendicular boundary and a few points on each side.

    The points are put on their sides by YOUR ``linear_classify`` (no bias
    column: the boundary goes through the origin).
    """
    import matplotlib.pyplot as plt

    w = np.asarray(w, dtype=float)
    rng = np.random.default_rng(3)
    points = rng.uniform(-2.5, 2.5, size=(14, 2))
    predicted = np.asarray(linear_classify(points, w))
    fig, ax = plt.subplots(figsize=(5, 5))
    direction = np.array([-w[1], w[0]]) / np.linalg.norm(w)
    ax.plot(*np.array([-4 * direction, 4 * direction]).T, color="#009E73", lw=2,
            label=r"boundary $x^T w = 0$")
    ax.annotate("", xy=w, xytext=(0, 0), arrowprops=dict(arrowstyle="->", lw=2.5))
    ax.text(*(w * 1.08), r"$w$", fontsize=14)
    for label in (0, 1):
        mask = predicted == label
        ax.scatter(*points[mask].T, c=LABEL_COLORS[label], marker=LABEL_MARKERS[label], s=40,
                   label=r"$x^T w \geq 0$: predict 1" if label else r"$x^T w < 0$: predict 0")
    ax.set(xlim=(-3, 3), ylim=(-3, 3), aspect="equal", xlabel="$x_1$", ylabel="$x_2$",
           title="The angle between x and w decides the class")
    ax.axhline(0, color="gray", lw=0.5)
    ax.axvline(0, color="gray", lw=0.5)
    ax.legend(loc="lower left", fontsize=8)
    fig.course_description = (f"The weight vector w = ({w[0]:g}, {w[1]:g}) as an arrow, the boundary through the "
                              f"origin perpendicular to it, and 14 points: your linear_classify puts "
                              f"{int(np.sum(predicted == 1))} on the side w points to (class 1) and "
                              f"{int(np.sum(predicted == 0))} on the other.")
    return fig


@figure
def plot_decision_boundary(X, y, predict, names=("feature 1", "feature 2"), title=""):
    """Two-feature data coloured by true label over the regions a classifier predicts.

    ``predict(points)`` takes an (M, 2) array of points and returns their 0/1
    labels: pass your own classifier, e.g.
    ``lambda P: linear_classify(add_bias(P), w)``.
    """
    import matplotlib.pyplot as plt
    from matplotlib.colors import ListedColormap

    X, y = np.asarray(X, dtype=float), np.asarray(y)
    pad = 0.5
    (x0, y0), (x1, y1) = X.min(axis=0) - pad, X.max(axis=0) + pad
    gx, gy = np.meshgrid(np.linspace(x0, x1, 200), np.linspace(y0, y1, 200))
    regions = np.asarray(predict(np.column_stack([gx.ravel(), gy.ravel()]))).reshape(gx.shape)
    fig, ax = plt.subplots(figsize=(6.5, 4.5))
    ax.imshow(regions, origin="lower", extent=(x0, x1, y0, y1), aspect="auto", vmin=0, vmax=1,
              cmap=ListedColormap(list(LABEL_REGIONS)), interpolation="nearest")
    ax.contour(gx, gy, regions, levels=[0.5], colors="black", linewidths=1.5)
    for label in (0, 1):
        ax.scatter(*X[y == label].T, s=12, c=LABEL_COLORS[label], marker=LABEL_MARKERS[label],
                   label=_NAMES[label])
    ax.set(xlabel=names[0], ylabel=names[1], title=title or "Decision regions (shaded: prediction)")
    ax.legend(loc="upper left", fontsize=8)
    on_grid = np.asarray(predict(X))
    fig.course_description = (f"Decision regions of the classifier over {names[0]} and {names[1]}: "
                              f"{np.mean(regions == 1):.0%} of the plane is predicted 1; it gets "
                              f"{int(np.sum(on_grid == y))} of the {len(y)} points right.")
    return fig
