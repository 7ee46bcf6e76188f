//! One service account is never served a token fetched for another, and a denial is never
//! answered with a cached token.
