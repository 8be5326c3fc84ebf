//! The routes the `list` function serves; `main` hands them to the Lambda runtime, and tests
//! drive the same constant through lambda_http.

pub const ROUTES: launcher::http::Routes = launcher::http::Routes::List;
