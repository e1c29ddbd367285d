"""National command nodes that share one air picture over secured middleware.

Each nation runs a node (`iamd.federation.node`): its own sensors' plots go through the
engine's tracker and identification, its tracks are published to the partners it releases
them to, and its partners' tracks are fused into its picture with Link 16-style track
management (`iamd.federation.picture`): track-number blocks, reporting responsibility (R2),
dual-designation correlation, identity-conflict flags and engagement coordination. The
middleware is Eclipse Zenoh with TLS, user/password authentication and key-expression
access control (`iamd.federation.security`, `iamd.federation.router`).
"""
