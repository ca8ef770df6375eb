"""BG/NBD and Pareto/NBD quantities by direct numerical integration in mpmath (40 digits).

Independent of the hypergeometric closed forms the fitters use: expectations are integrated
over the customer's dropout probability (BG/NBD) or time of death (Pareto/NBD), so they hold
in every parameter region, including the no-dropout edge where the closed forms cancel.
"""

from __future__ import annotations

import mpmath

_DIGITS = 30


def _rate_expectation_minus_limit(p, k, c):
    """``(h(p) - h(0)) / p`` with ``h(p) = (1 - (1 + p c)^-k) / p``; its series for small p c."""
    y = p * c
    if y < mpmath.mpf("0.25"):
        total, term, n = mpmath.mpf(0), -k * (k + 1) * c * c / 2, 2
        while abs(term) > mpmath.eps * abs(total) or n < 4:
            total += term
            term *= -(k + n) * y / (n + 1)
            n += 1
        return total
    return ((1 - (1 + y) ** (-k)) / p - k * c) / p


def purchases_if_alive(k, c, a, b_post):
    """``E[(1 - (1 + p c)^-k) / p]`` for ``p ~ Beta(a, b_post)`` (``b_post >= 1``).

    Written ``k c + E[p q(p)]`` with ``q`` bounded, so the Beta density's singularity at 0
    (``a`` tiny) is integrable; breakpoints follow its mass, near ``a / b_post``.
    """
    with mpmath.workdps(_DIGITS):
        k, c, a, b_post = map(mpmath.mpf, (k, c, a, b_post))

        def integrand(p):
            return p**a * (1 - p) ** (b_post - 1) * _rate_expectation_minus_limit(p, k, c)

        scale = max(a, 1) / b_post
        points = [m * scale for m in (0.1, 1, 3, 10, 30, 100, 1000, 1e4) if m * scale < 1]
        integral = mpmath.quad(integrand, [mpmath.mpf(0), *points, mpmath.mpf(1)])
        return k * c + integral / mpmath.beta(a, b_post)


def bgnbd_conditional_expected(params, t, x, t_x, age, *, shift=0):
    """E[X(T, T + t) | x, t_x, T] of BG/NBD (``shift=1``: MBG/NBD)."""
    r, alpha, a, b = (float(value) for value in params)
    with mpmath.workdps(_DIGITS):
        r, alpha, a, b, t, x, t_x, age = map(mpmath.mpf, (r, alpha, a, b, t, x, t_x, age))
        if shift == 0 and x == 0:
            alive = mpmath.mpf(1)
        else:
            odds = a / (b + x - 1 + shift) * ((alpha + age) / (alpha + t_x)) ** (r + x)
            alive = 1 / (1 + odds)
        return alive * purchases_if_alive(r + x, t / (alpha + age), a, b + x + shift)


def bgnbd_expected(params, t, *, shift=0):
    """E[X(t)] of a new BG/NBD (or MBG/NBD) customer."""
    r, alpha, a, b = (float(value) for value in params)
    with mpmath.workdps(_DIGITS):
        r, alpha, a, b, t = map(mpmath.mpf, (r, alpha, a, b, t))
        if shift == 0:
            return purchases_if_alive(r, t / alpha, a, b)
        return b / (a + b) * purchases_if_alive(r, t / alpha, a, b + 1)


def _pareto_terms(params, x, t_x, age):
    r, alpha, s, beta = map(mpmath.mpf, params)
    x, t_x, age = map(mpmath.mpf, (x, t_x, age))
    k = r + x
    alive = (alpha + age) ** (-k) * (beta + age) ** (-s)
    died = mpmath.mpf(0)
    if age > t_x:
        died = s * mpmath.quad(lambda u: (alpha + u) ** (-k) * (beta + u) ** (-(s + 1)), [t_x, age])
    return alive, died


def pareto_p_alive(params, x, t_x, age):
    """P(alive at T | x, t_x, T): alive through T against dying in (t_x, T]."""
    with mpmath.workdps(_DIGITS):
        alive, died = _pareto_terms([float(v) for v in params], x, t_x, age)
        return alive / (alive + died)


def pareto_conditional_expected(params, t, x, t_x, age):
    """E[X(T, T + t) | x, t_x, T]: P(alive) E[lambda] E[(1 - exp(-mu t)) / mu] a posteriori."""
    values = [float(v) for v in params]
    with mpmath.workdps(_DIGITS):
        alive = pareto_p_alive(values, x, t_x, age)
        r, alpha, s, beta = map(mpmath.mpf, values)
        t, x, age = map(mpmath.mpf, (t, x, age))
        lifetime = mpmath.quad(lambda u: ((beta + age) / (beta + age + u)) ** s, [0, t])
        return alive * (r + x) / (alpha + age) * lifetime


def pareto_log_likelihood(params, x, t_x, age):
    """One customer's Pareto/NBD log-likelihood."""
    values = [float(v) for v in params]
    with mpmath.workdps(_DIGITS):
        alive, died = _pareto_terms(values, x, t_x, age)
        r, alpha, s, beta = map(mpmath.mpf, values)
        x = mpmath.mpf(x)
        return (
            mpmath.loggamma(r + x)
            - mpmath.loggamma(r)
            + r * mpmath.log(alpha)
            + s * mpmath.log(beta)
            + mpmath.log(alive + died)
        )
