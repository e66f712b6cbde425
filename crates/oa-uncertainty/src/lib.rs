//! oa-uncertainty
