//! What serves a Kubernetes node or cluster: the kubelet plugin, its installer, the Secret
//! manifests and the client that applies them.
//!
//! Two ways to get ECR credentials to a cluster, each with its own wire formats: the kubelet
//! runs the [`kubelet`] plugin on every pull it has no credentials for ([`kubelet_install`]
//! puts it on a node, with the [`provider_config`] that names it), and clusters that cannot
//! use a plugin get a pull Secret ([`kube_secret`]; for Argo CD a repository Secret,
//! [`argocd`]), printed or written by the small API client in [`api`]; [`names`] and
//! [`selector`] hold flags to Kubernetes' syntax before any call. Both ways draw their tokens
//! from the [`crate::core`]; nothing there knows about Kubernetes, and nothing here outside
//! this folder.

pub mod api;
pub mod argocd;
pub mod kube_secret;
pub mod kubelet;
pub mod kubelet_install;
pub mod names;
pub mod provider_config;
pub mod selector;
