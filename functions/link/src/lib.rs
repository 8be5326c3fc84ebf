//! The routes the `link` function serves; `main` hands them to the Lambda runtime, and tests
//! drive the same constant through lambda_http.

pub const ROUTES: launcher::http::Routes = launcher::http::Routes::Link;
