"""Stockade: Kubernetes security scanning with one rule catalogue for CI, cluster and admission.

Example::

    from stockade.scan import scan_paths
    result = scan_paths(["k8s/"])
    for finding in result.findings:
        print(finding.rule, finding.resource.name, finding.message)
"""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("stockade")
except PackageNotFoundError:  # running from a source tree without installation
    __version__ = "0.0.0"

__all__ = ["__version__"]
