//! The protocol verbs never report success for what they did not do, and never let input
//! forge output.
