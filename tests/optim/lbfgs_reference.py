"""An independent float64 numpy L-BFGS, written from the algorithm (Nocedal & Wright's two-loop
recursion; the strong Wolfe search of torch7's lswolfe.lua with polyinterp's cubic step) and
PyTorch's documented stopping rules, on one flat vector x, for tests to compare
`optim.LBFGS` against. `fg(x)` returns (loss, gradient); every call is counted."""
from __future__ import annotations

import math

import numpy as np


def cubic_min(x1, f1, g1, x2, f2, g2, lo=None, hi=None):
    """Minimiser of the Hermite cubic through two points with slopes, clamped to [lo, hi]."""
    if lo is None:
        lo, hi = min(x1, x2), max(x1, x2)
    with np.errstate(all="ignore"):
        d1 = g1 + g2 - float(np.float64(3 * (f1 - f2)) / np.float64(x1 - x2))
        disc = d1 * d1 - g1 * g2
        if not disc >= 0:
            return (lo + hi) / 2.0
        d2 = math.sqrt(disc)
        if x1 <= x2:
            x = x2 - (x2 - x1) * float(np.float64(g2 + d2 - d1) / np.float64(g2 - g1 + 2 * d2))
        else:
            x = x1 - (x1 - x2) * float(np.float64(g1 + d2 - d1) / np.float64(g1 - g2 + 2 * d2))
    return min(max(x, lo), hi)


def wolfe(phi, f0, g0, t, c1=1e-4, c2=0.9, tol=1e-9, max_evals=25, d_inf=1.0):
    """phi(t) -> (f, g_vec, slope). Returns (f, g_vec, t, evaluations)."""
    slope0 = g0[1]
    f, g, s = phi(t)
    n, k = 1, 0
    pts = [(0.0, f0, g0[0], slope0)]  # (t, f, gradient, slope) of the previous point
    lo_hi = None
    while k < max_evals:
        tp, fp, gp, sp_ = pts[-1]
        if f > f0 + c1 * t * slope0 or (k > 1 and f >= fp):
            lo_hi = [(tp, fp, gp, sp_), (t, f, g, s)]
            break
        if abs(s) <= -c2 * slope0:
            return f, g, t, n
        if s >= 0:
            lo_hi = [(tp, fp, gp, sp_), (t, f, g, s)]
            break
        nxt = cubic_min(tp, fp, sp_, t, f, s, t + 0.01 * (t - tp), 10 * t)
        pts.append((t, f, g, s))
        t = nxt
        f, g, s = phi(t)
        n += 1
        k += 1
    if lo_hi is None:  # evaluations spent while extrapolating
        return (f0, g0[0], 0.0, n) if f0 <= f else (f, g, t, n)
    ends = lo_hi
    low = 0 if ends[0][1] <= ends[1][1] else 1
    stuck = False
    while k < max_evals:
        if abs(ends[1][0] - ends[0][0]) * d_inf < tol:
            break
        t = cubic_min(ends[0][0], ends[0][1], ends[0][3], ends[1][0], ends[1][1], ends[1][3])
        a, b = min(ends[0][0], ends[1][0]), max(ends[0][0], ends[1][0])
        margin = 0.1 * (b - a)
        if min(b - t, t - a) < margin:
            if stuck or t >= b or t <= a:
                t = b - margin if abs(t - b) < abs(t - a) else a + margin
                stuck = False
            else:
                stuck = True
        else:
            stuck = False
        f, g, s = phi(t)
        n += 1
        k += 1
        high = 1 - low
        if f > f0 + c1 * t * slope0 or f >= ends[low][1]:
            ends[high] = (t, f, g, s)
            low = 0 if ends[0][1] <= ends[1][1] else 1
            continue
        if abs(s) <= -c2 * slope0:
            ends[low] = (t, f, g, s)
            break
        if s * (ends[high][0] - ends[low][0]) >= 0:
            ends[high] = ends[low]
        ends[low] = (t, f, g, s)
    t, f, g, _ = ends[low]
    return f, g, t, n


def lbfgs_step(fg, x, st, lr=1.0, max_iter=20, max_eval=None, tolerance_grad=1e-7,
               tolerance_change=1e-9, history_size=100, line_search_fn=None):
    """One `LBFGS.step(closure)` from x; `st` (a dict) carries the memory between calls.
    Returns (the first loss, the new x, closure calls of this step)."""
    max_eval = max_iter * 5 // 4 if max_eval is None else max_eval
    x = np.array(x, dtype=np.float64)
    st.setdefault("n_iter", 0)
    st.setdefault("func_evals", 0)
    f, g = fg(x)
    first, calls = f, 1
    st["func_evals"] += 1
    if np.max(np.abs(g)) <= tolerance_grad:
        return first, x, calls
    for it in range(1, max_iter + 1):
        st["n_iter"] += 1
        if st["n_iter"] == 1:
            d, st["S"], st["Y"], st["rho"], st["h"] = -g, [], [], [], 1.0
        else:
            y, s = g - st["g_prev"], st["d"] * st["t"]
            ys = float(y @ s)
            if ys > 1e-10:
                if len(st["S"]) == history_size:
                    del st["S"][0], st["Y"][0], st["rho"][0]
                st["S"].append(s)
                st["Y"].append(y)
                st["rho"].append(1.0 / ys)
                st["h"] = ys / float(y @ y)
            q, alphas = -g, {}
            for i in reversed(range(len(st["S"]))):
                alphas[i] = float(st["S"][i] @ q) * st["rho"][i]
                q = q - alphas[i] * st["Y"][i]
            d = q * st["h"]
            for i in range(len(st["S"])):
                beta = float(st["Y"][i] @ d) * st["rho"][i]
                d = d + (alphas[i] - beta) * st["S"][i]
        st["d"], st["g_prev"], f_prev = d, g, f
        t = min(1.0, 1.0 / float(np.sum(np.abs(g)))) * lr if st["n_iter"] == 1 else lr
        slope = float(g @ d)
        if slope > -tolerance_change:
            st["t"] = t
            break
        used = 0
        if line_search_fn == "strong_wolfe":
            def phi(step, x=x, d=d):
                fv, gv = fg(x + step * d)
                return fv, gv, float(gv @ d)
            # (PyTorch's search keeps its own tolerance_change, 1e-9, whatever the group's)
            f, g, t, used = wolfe(phi, f, (g, slope), t, max_evals=max_eval - calls,
                                  d_inf=float(np.max(np.abs(d))))
            x = x + t * d
            done = np.max(np.abs(g)) <= tolerance_grad
        else:
            x = x + t * d
            done = False
            if it != max_iter:
                f, g = fg(x)
                used = 1
                done = np.max(np.abs(g)) <= tolerance_grad
        st["t"] = t
        calls += used
        st["func_evals"] += used
        if it == max_iter or calls >= max_eval or done:
            break
        if np.max(np.abs(d * t)) <= tolerance_change or abs(f - f_prev) < tolerance_change:
            break
    return first, x, calls
