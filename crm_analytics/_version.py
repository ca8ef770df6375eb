"""The package version and the versions of the libraries results depend on, in one place."""

from __future__ import annotations

import platform

__all__ = ["__version__", "library_versions"]

__version__ = "0.1.0"


def library_versions() -> dict[str, str]:
    """Versions of Python, crm_analytics and the numerical libraries its results depend on.

    Saved with every model and run, so that a result can be traced to the code that made it.

    Examples
    --------
    >>> versions = library_versions()
    >>> versions["crm_analytics"] == __version__, sorted(versions)[:3]
    (True, ['crm_analytics', 'numpy', 'pandas'])
    """
    import numpy
    import pandas
    import scipy
    import sklearn

    return {
        "crm_analytics": __version__,
        "python": platform.python_version(),
        "numpy": numpy.__version__,
        "pandas": pandas.__version__,
        "scipy": scipy.__version__,
        "scikit-learn": sklearn.__version__,
    }
