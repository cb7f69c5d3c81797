"""HTTP edges beside GraphQL: who is behind a request (token or session), the sign-in routes and pages."""
