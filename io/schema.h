// Names and versions of the HDF5 layouts in CONTRACT.md, in one place.
#pragma once

namespace crossmf::schema {

// Input file (written by generate and import, read by train and inspect).
inline constexpr const char* kInputFormat = "crossmf-input";
inline constexpr int kInputVersion = 1;  // readers refuse a newer one
inline constexpr const char* kRatings = "/ratings";
inline constexpr const char* kRatingsUser = "/ratings/user";
inline constexpr const char* kRatingsItem = "/ratings/item";
inline constexpr const char* kRatingsValue = "/ratings/value";
inline constexpr const char* kRatingsTime = "/ratings/time";
inline constexpr const char* kTest = "/test";
inline constexpr const char* kTestUser = "/test/user";
inline constexpr const char* kTestItem = "/test/item";
inline constexpr const char* kTestValue = "/test/value";
inline constexpr const char* kTestTime = "/test/time";
inline constexpr const char* kItemsDomain = "/items/domain";   // attribute "names"
inline constexpr const char* kItemsId = "/items/id";
inline constexpr const char* kItemsFeatures = "/items/features";  // attribute "names"
inline constexpr const char* kUsersId = "/users/id";
inline constexpr const char* kUsersFeatures = "/users/features";  // attribute "names"
inline constexpr const char* kLabelsUser = "/labels/user";
inline constexpr const char* kLabelsValue = "/labels/value";
inline constexpr const char* kTruth = "/truth";  // generate's planted model, for tests

// Output file (written by train).
inline constexpr const char* kOutputFormat = "crossmf-output";
inline constexpr int kOutputVersion = 1;

// Checkpoint file.
inline constexpr const char* kCheckpointFormat = "crossmf-checkpoint";
inline constexpr int kCheckpointVersion = 1;

}  // namespace crossmf::schema
