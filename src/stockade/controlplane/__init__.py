"""The effective configuration of control-plane components and the kubelet, read from files or pods.

`components` finds the static pods (or mirror pods) of kube-apiserver, kube-controller-manager,
kube-scheduler and etcd and reads their flags; `kubelet` merges KubeletConfiguration files and
kubelet flags into effective values; `visibility` says which components the input shows, so that
checks on an invisible component are reported as not evaluated instead of passing.
"""
