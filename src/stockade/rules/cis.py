"""The CIS Kubernetes Benchmark v1.12 items, and how Stockade covers each one.

Ids, titles and the Automated/Manual classification come from the benchmark as kube-bench ships
it (``cfg/cis-1.12/*.yaml``). `coverage_markdown` renders ``docs/cis.md`` from this table and
the rule catalogue, so the coverage table cannot drift from the rules' ``frameworks.cis``.
"""

from __future__ import annotations

from dataclasses import dataclass

from stockade.rules.registry import Registry

_FILE = "file mode/owner on the node (`stat`); Stockade reads file content, not permissions"
_CLUSTER = "judged on cluster objects (RBAC, workloads, namespaces), not on a configuration file"
_PRACTICE = "organisational practice; no file or object decides it"


@dataclass(frozen=True, slots=True)
class CisItem:
    """One benchmark item: id, title, CIS's own classification, and why it is not automated."""

    id: str
    title: str
    automated: bool
    note: str = ""


def _items() -> list[CisItem]:
    rows: list[tuple[str, str, str, str]] = [
        # 1.1 control plane node configuration files
        ("1.1.1", "API server pod specification file permissions 600", "A", _FILE),
        ("1.1.2", "API server pod specification file ownership root:root", "A", _FILE),
        ("1.1.3", "controller manager pod specification file permissions 600", "A", _FILE),
        ("1.1.4", "controller manager pod specification file ownership root:root", "A", _FILE),
        ("1.1.5", "scheduler pod specification file permissions 600", "A", _FILE),
        ("1.1.6", "scheduler pod specification file ownership root:root", "A", _FILE),
        ("1.1.7", "etcd pod specification file permissions 600", "A", _FILE),
        ("1.1.8", "etcd pod specification file ownership root:root", "A", _FILE),
        ("1.1.9", "Container Network Interface file permissions 600", "M", _FILE),
        ("1.1.10", "Container Network Interface file ownership root:root", "M", _FILE),
        ("1.1.11", "etcd data directory permissions 700", "A", _FILE),
        ("1.1.12", "etcd data directory ownership etcd:etcd", "A", _FILE),
        ("1.1.13", "admin.conf / super-admin.conf permissions 600", "A", _FILE),
        ("1.1.14", "admin.conf / super-admin.conf ownership root:root", "A", _FILE),
        ("1.1.15", "scheduler.conf permissions 600", "A", _FILE),
        ("1.1.16", "scheduler.conf ownership root:root", "A", _FILE),
        ("1.1.17", "controller-manager.conf permissions 600", "A", _FILE),
        ("1.1.18", "controller-manager.conf ownership root:root", "A", _FILE),
        ("1.1.19", "PKI directory and file ownership root:root", "A", _FILE),
        ("1.1.20", "PKI certificate file permissions 644", "M", _FILE),
        ("1.1.21", "PKI key file permissions 600", "M", _FILE),
        # 1.2 API server
        ("1.2.1", "--anonymous-auth is false", "M", ""),
        ("1.2.2", "--token-auth-file is not set", "A", ""),
        ("1.2.3", "DenyServiceExternalIPs is set", "M", ""),
        ("1.2.4", "--kubelet-client-certificate and --kubelet-client-key are set", "A", ""),
        ("1.2.5", "--kubelet-certificate-authority is set", "A", ""),
        ("1.2.6", "--authorization-mode is not AlwaysAllow", "A", ""),
        ("1.2.7", "--authorization-mode includes Node", "A", ""),
        ("1.2.8", "--authorization-mode includes RBAC", "A", ""),
        ("1.2.9", "admission plugin EventRateLimit is set", "M", ""),
        ("1.2.10", "admission plugin AlwaysAdmit is not set", "A", ""),
        ("1.2.11", "admission plugin AlwaysPullImages is set", "M", ""),
        ("1.2.12", "admission plugin ServiceAccount is set", "A", ""),
        ("1.2.13", "admission plugin NamespaceLifecycle is set", "A", ""),
        ("1.2.14", "admission plugin NodeRestriction is set", "A", ""),
        ("1.2.15", "--profiling is false", "A", ""),
        ("1.2.16", "--audit-log-path is set", "A", ""),
        ("1.2.17", "--audit-log-maxage is 30 or as appropriate", "A", ""),
        ("1.2.18", "--audit-log-maxbackup is 10 or as appropriate", "A", ""),
        ("1.2.19", "--audit-log-maxsize is 100 or as appropriate", "A", ""),
        ("1.2.20", "--request-timeout is set as appropriate", "M", ""),
        ("1.2.21", "--service-account-lookup is true", "A", ""),
        ("1.2.22", "--service-account-key-file is set", "A", ""),
        ("1.2.23", "--etcd-certfile and --etcd-keyfile are set", "A", ""),
        ("1.2.24", "--tls-cert-file and --tls-private-key-file are set", "A", ""),
        ("1.2.25", "--client-ca-file is set", "A", ""),
        ("1.2.26", "--etcd-cafile is set", "A", ""),
        ("1.2.27", "--encryption-provider-config is set", "M", ""),
        ("1.2.28", "encryption providers are appropriately configured", "M", ""),
        ("1.2.29", "API server only uses strong cryptographic ciphers", "M", ""),
        ("1.2.30", "--service-account-extend-token-expiration is false", "A", ""),
        # 1.3 controller manager
        ("1.3.1", "--terminated-pod-gc-threshold is set", "M", ""),
        ("1.3.2", "--profiling is false", "A", ""),
        ("1.3.3", "--use-service-account-credentials is true", "A", ""),
        ("1.3.4", "--service-account-private-key-file is set", "A", ""),
        ("1.3.5", "--root-ca-file is set", "A", ""),
        ("1.3.6", "RotateKubeletServerCertificate is true", "A", ""),
        ("1.3.7", "--bind-address is 127.0.0.1", "A", ""),
        # 1.4 scheduler
        ("1.4.1", "--profiling is false", "A", ""),
        ("1.4.2", "--bind-address is 127.0.0.1", "A", ""),
        # 2 etcd
        ("2.1", "--cert-file and --key-file are set", "A", ""),
        ("2.2", "--client-cert-auth is true", "A", ""),
        ("2.3", "--auto-tls is not true", "A", ""),
        ("2.4", "--peer-cert-file and --peer-key-file are set", "A", ""),
        ("2.5", "--peer-client-cert-auth is true", "A", ""),
        ("2.6", "--peer-auto-tls is not true", "A", ""),
        ("2.7", "a unique Certificate Authority is used for etcd", "M", ""),
        # 3 control plane configuration
        (
            "3.1.1",
            "client certificate authentication should not be used for users",
            "M",
            _PRACTICE + " (which certificates are issued to people)",
        ),
        (
            "3.1.2",
            "service account token authentication should not be used for users",
            "M",
            _PRACTICE,
        ),
        ("3.1.3", "bootstrap token authentication should not be used for users", "M", _PRACTICE),
        ("3.2.1", "a minimal audit policy is created", "M", ""),
        ("3.2.2", "the audit policy covers key security concerns", "M", ""),
        # 4.1 worker node configuration files
        ("4.1.1", "kubelet service file permissions 600", "A", _FILE),
        ("4.1.2", "kubelet service file ownership root:root", "A", _FILE),
        ("4.1.3", "proxy kubeconfig file permissions 600", "M", _FILE),
        ("4.1.4", "proxy kubeconfig file ownership root:root", "M", _FILE),
        ("4.1.5", "--kubeconfig kubelet.conf permissions 600", "A", _FILE),
        ("4.1.6", "--kubeconfig kubelet.conf ownership root:root", "A", _FILE),
        ("4.1.7", "certificate authorities file permissions 644", "M", _FILE),
        ("4.1.8", "client certificate authorities file ownership root:root", "M", _FILE),
        ("4.1.9", "kubelet config.yaml permissions 600", "A", _FILE),
        ("4.1.10", "kubelet config.yaml ownership root:root", "A", _FILE),
        # 4.2 kubelet
        ("4.2.1", "--anonymous-auth is false", "A", ""),
        ("4.2.2", "--authorization-mode is not AlwaysAllow", "A", ""),
        ("4.2.3", "--client-ca-file is set", "A", ""),
        ("4.2.4", "if defined, --read-only-port is 0", "M", ""),
        ("4.2.5", "--streaming-connection-idle-timeout is not 0", "M", ""),
        ("4.2.6", "--make-iptables-util-chains is true", "A", ""),
        ("4.2.7", "--hostname-override is not set", "M", ""),
        ("4.2.8", "eventRecordQPS ensures appropriate event capture", "M", ""),
        ("4.2.9", "--tls-cert-file and --tls-private-key-file are set", "M", ""),
        ("4.2.10", "--rotate-certificates is not false", "A", ""),
        ("4.2.11", "RotateKubeletServerCertificate is true", "M", ""),
        ("4.2.12", "kubelet only uses strong cryptographic ciphers", "M", ""),
        ("4.2.13", "a limit is set on pod PIDs", "M", ""),
        ("4.2.14", "--seccomp-default is true", "M", ""),
        # 4.3 kube-proxy
        ("4.3.1", "kube-proxy metrics service is bound to localhost", "A", ""),
        # 5.1 RBAC and service accounts
        ("5.1.1", "cluster-admin role is only used where required", "M", _CLUSTER),
        ("5.1.2", "minimize access to secrets", "M", _CLUSTER),
        ("5.1.3", "minimize wildcard use in Roles and ClusterRoles", "M", _CLUSTER),
        ("5.1.4", "minimize access to create pods", "M", _CLUSTER),
        ("5.1.5", "default service accounts are not actively used", "M", _CLUSTER),
        ("5.1.6", "service account tokens are only mounted where necessary", "M", _CLUSTER),
        (
            "5.1.7",
            "avoid use of the system:masters group",
            "M",
            "certificates issued with O=system:masters are not visible as cluster objects",
        ),
        ("5.1.8", "limit bind, impersonate and escalate permissions", "M", _CLUSTER),
        ("5.1.9", "minimize access to create persistent volumes", "M", _CLUSTER),
        ("5.1.10", "minimize access to the proxy sub-resource of nodes", "M", _CLUSTER),
        ("5.1.11", "minimize access to the approval sub-resource of CSRs", "M", _CLUSTER),
        ("5.1.12", "minimize access to webhook configuration objects", "M", _CLUSTER),
        ("5.1.13", "minimize access to service account token creation", "M", _CLUSTER),
        # 5.2 pod security standards
        ("5.2.1", "at least one active policy control mechanism", "M", _CLUSTER),
        ("5.2.2", "minimize admission of privileged containers", "M", _CLUSTER),
        ("5.2.3", "minimize admission of hostPID containers", "M", _CLUSTER),
        ("5.2.4", "minimize admission of hostIPC containers", "M", _CLUSTER),
        ("5.2.5", "minimize admission of hostNetwork containers", "M", _CLUSTER),
        ("5.2.6", "minimize admission of allowPrivilegeEscalation", "M", _CLUSTER),
        ("5.2.7", "minimize admission of root containers", "M", _CLUSTER),
        ("5.2.8", "minimize admission of containers with NET_RAW", "M", _CLUSTER),
        ("5.2.9", "minimize admission of containers with capabilities", "M", _CLUSTER),
        ("5.2.10", "minimize admission of Windows HostProcess containers", "M", _CLUSTER),
        ("5.2.11", "minimize admission of HostPath volumes", "M", _CLUSTER),
        ("5.2.12", "minimize admission of containers using HostPorts", "M", _CLUSTER),
        # 5.3 network policies
        (
            "5.3.1",
            "the CNI in use supports NetworkPolicies",
            "M",
            "depends on the CNI plugin's implementation, not on a manifest",
        ),
        ("5.3.2", "all namespaces have NetworkPolicies defined", "M", _CLUSTER),
        # 5.4 secrets
        ("5.4.1", "prefer secrets as files over environment variables", "M", _CLUSTER),
        ("5.4.2", "consider external secret storage", "M", _PRACTICE),
        # 5.5 admission control
        (
            "5.5.1",
            "configure image provenance (ImagePolicyWebhook)",
            "M",
            "needs a site-specific image policy webhook",
        ),
        # 5.6 general
        ("5.6.1", "administrative boundaries between resources using namespaces", "M", _PRACTICE),
        ("5.6.2", "seccomp profile is RuntimeDefault in pod definitions", "M", _CLUSTER),
        ("5.6.3", "apply SecurityContext to pods and containers", "M", _CLUSTER),
        ("5.6.4", "the default namespace should not be used", "M", _CLUSTER),
    ]
    return [CisItem(i, t, a == "A", n) for i, t, a, n in rows]


CIS_ITEMS: tuple[CisItem, ...] = tuple(_items())


def rules_by_cis(registry: Registry) -> dict[str, list[str]]:
    """Rule ids per CIS id, from the catalogue's framework mappings."""
    out: dict[str, list[str]] = {}
    for r in registry:
        for cis_id in r.meta.frameworks.get("cis") or []:
            out.setdefault(str(cis_id), []).append(r.id)
    return out


DOC_HEAD = """# CIS Kubernetes Benchmark v1.12: coverage

Every item of the CIS Kubernetes Benchmark v1.12 (131 items, as kube-bench ships them in
`cfg/cis-1.12/`), with what Stockade does about it:

- **automated**: the named rules decide it; their findings carry the id in `frameworks.cis`.
- **manual**: Stockade cannot decide it from configuration files or cluster objects; the reason
  says what would decide it.

The "CIS" column is the benchmark's own classification (Automated/Manual). Stockade automates
several items CIS calls Manual (1.2.1, 1.2.3, 1.2.9, 1.2.11, 1.2.20, 1.2.27-1.2.29, 1.3.1, 2.7,
3.2.1, 3.2.2, 4.2.4, 4.2.5, 4.2.7-4.2.9, 4.2.11-4.2.14) because the configuration decides them.
Not applicable: none of the 131 items; items about files Stockade cannot see are listed as
manual. Stockade-only checks without a CIS v1.12 id: `kubelet-protect-kernel-defaults` (CIS 4.2.6
up to v1.6) and the content checks of `encryption-at-rest` and `audit-policy` that go beyond
the CIS text. See [controlplane.md](controlplane.md) for how the checks judge effective values.

The table is generated from `stockade.rules.cis` and the rule catalogue
(`stockade.rules.cis.coverage_markdown`); a test keeps sections 1-4 in step with the rules.

"""


def cis_document(registry: Registry) -> str:
    """The whole of ``docs/cis.md``."""
    return DOC_HEAD + coverage_markdown(registry)


def coverage_markdown(registry: Registry) -> str:
    """The coverage table of ``docs/cis.md``."""
    covered = rules_by_cis(registry)
    lines = [
        "| CIS id | Item (shortened) | CIS | Stockade | Rules or reason |",
        "| --- | --- | --- | --- | --- |",
    ]
    for item in CIS_ITEMS:
        rules = covered.get(item.id, [])
        if rules:
            status, detail = "automated", ", ".join(f"`{r}`" for r in sorted(rules))
        elif item.note:
            status, detail = "manual", item.note
        else:
            status, detail = "manual", "no rule yet"
        kind = "Automated" if item.automated else "Manual"
        lines.append(f"| {item.id} | {item.title} | {kind} | {status} | {detail} |")
    return "\n".join(lines) + "\n"
