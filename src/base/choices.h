// The options that take one of a few named values. Each is an enum class with one name table,
// which parsing, --help, validation, logging and the stored config all read: a value's name is
// written in one place only.
#pragma once
#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace crossmf {

template <class E>
struct Choice {
  E value;
  const char* name;
  const char* help;  // shown after the name in --help; empty: the name says it
};

enum class Command { kGenerate, kImport, kTrain, kInspect, kScore, kLift };
inline constexpr Choice<Command> kCommandNames[] = {
    {Command::kGenerate, "generate", "write a synthetic platform data set (input schema) with its planted truth"},
    {Command::kImport, "import", "convert delimited text (CSV, TSV, ::) into the input schema"},
    {Command::kTrain, "train", "read, partition, train, evaluate, profile, recommend, score risk, write"},
    {Command::kInspect, "inspect", "summarise an input, output or checkpoint file"},
    {Command::kScore, "score", "fold users of a new input into a trained output's model, then recommend, segment, score risk"},
    {Command::kLift, "lift", "measure a campaign: contacted against control conversion of an output's audiences"}};

enum class LogLevel { kTrace, kDebug, kInfo, kWarn, kError };
inline constexpr Choice<LogLevel> kLogLevelNames[] = {
    {LogLevel::kTrace, "trace", ""}, {LogLevel::kDebug, "debug", ""}, {LogLevel::kInfo, "info", ""},
    {LogLevel::kWarn, "warn", ""}, {LogLevel::kError, "error", ""}};

// The kind of ratings an input holds (generate, import, and the input's /ratings attribute).
enum class Feedback { kExplicit, kImplicit };
inline constexpr Choice<Feedback> kFeedbackNames[] = {{Feedback::kExplicit, "explicit", "ratings"},
                                                      {Feedback::kImplicit, "implicit", "counts, minutes, amounts"}};

// train --feedback: the input's own, or forced.
enum class TrainFeedback { kAuto, kExplicit, kImplicit };
inline constexpr Choice<TrainFeedback> kTrainFeedbackNames[] = {
    {TrainFeedback::kAuto, "auto", "from the input"}, {TrainFeedback::kExplicit, "explicit", ""},
    {TrainFeedback::kImplicit, "implicit", ""}};

enum class Algorithm { kAuto, kAls, kSgd, kBmf };
inline constexpr Choice<Algorithm> kAlgorithmNames[] = {
    {Algorithm::kAuto, "auto", "bmf for explicit ratings, als for implicit"},
    {Algorithm::kAls, "als", ""},
    {Algorithm::kSgd, "sgd", ""},
    {Algorithm::kBmf, "bmf", "explicit: Bayesian MF by Gibbs sampling"}};

enum class RatedPrior { kBoth, kUsers, kItems, kNone };
inline constexpr Choice<RatedPrior> kRatedPriorNames[] = {
    {RatedPrior::kBoth, "both", ""},
    {RatedPrior::kUsers, "users", "each user's prior mean follows the items they rated: Bayesian SVD++"},
    {RatedPrior::kItems, "items", "each item's follows the users who rated it"},
    {RatedPrior::kNone, "none", "plain BMF"}};

enum class Confidence { kLinear, kLog };
inline constexpr Choice<Confidence> kConfidenceNames[] = {{Confidence::kLinear, "linear", "1 + alpha * r"},
                                                          {Confidence::kLog, "log", "1 + alpha * log(1 + r / epsilon)"}};

enum class Solver { kCg, kCholesky };
inline constexpr Choice<Solver> kSolverNames[] = {{Solver::kCg, "cg", ""}, {Solver::kCholesky, "cholesky", ""}};

enum class SgdSync { kAverage, kDelta };
inline constexpr Choice<SgdSync> kSgdSyncNames[] = {{SgdSync::kAverage, "average", "model averaging"},
                                                    {SgdSync::kDelta, "delta", "summed changes"}};

enum class ImplicitLoss { kBpr, kWsl };
inline constexpr Choice<ImplicitLoss> kImplicitLossNames[] = {{ImplicitLoss::kBpr, "bpr", ""},
                                                              {ImplicitLoss::kWsl, "wsl", ""}};

enum class Split { kRandom, kTime };
inline constexpr Choice<Split> kSplitNames[] = {{Split::kRandom, "random", "by rating"},
                                                {Split::kTime, "time", "latest per user"}};

enum class Gating { kWithhold, kFlag };
inline constexpr Choice<Gating> kGatingNames[] = {{Gating::kWithhold, "withhold", ""}, {Gating::kFlag, "flag", ""}};

// import --delimiter: the separator of the text columns.
enum class DelimiterChoice { kAuto, kComma, kTab, kDoubleColon, kSpace, kSemicolon };
inline constexpr Choice<DelimiterChoice> kDelimiterNames[] = {
    {DelimiterChoice::kAuto, "auto", ""}, {DelimiterChoice::kComma, ",", ""},  {DelimiterChoice::kTab, "tab", ""},
    {DelimiterChoice::kDoubleColon, "::", ""}, {DelimiterChoice::kSpace, "space", ""},
    {DelimiterChoice::kSemicolon, ";", ""}};

enum class Header { kAuto, kYes, kNo };
inline constexpr Choice<Header> kHeaderNames[] = {{Header::kAuto, "auto", ""}, {Header::kYes, "yes", ""},
                                                  {Header::kNo, "no", ""}};

// import --duplicates: what a (user, item) pair seen twice becomes (io/duplicate_policy.h).
enum class DuplicatePolicy { last, sum, mean, error };
inline constexpr Choice<DuplicatePolicy> kDuplicatePolicyNames[] = {
    {DuplicatePolicy::last, "last", ""}, {DuplicatePolicy::sum, "sum", ""}, {DuplicatePolicy::mean, "mean", ""},
    {DuplicatePolicy::error, "error", ""}};

// The table of each enum, found by overload.
constexpr std::span<const Choice<Command>> choices(Command) { return kCommandNames; }
constexpr std::span<const Choice<LogLevel>> choices(LogLevel) { return kLogLevelNames; }
constexpr std::span<const Choice<Feedback>> choices(Feedback) { return kFeedbackNames; }
constexpr std::span<const Choice<TrainFeedback>> choices(TrainFeedback) { return kTrainFeedbackNames; }
constexpr std::span<const Choice<Algorithm>> choices(Algorithm) { return kAlgorithmNames; }
constexpr std::span<const Choice<RatedPrior>> choices(RatedPrior) { return kRatedPriorNames; }
constexpr std::span<const Choice<Confidence>> choices(Confidence) { return kConfidenceNames; }
constexpr std::span<const Choice<Solver>> choices(Solver) { return kSolverNames; }
constexpr std::span<const Choice<SgdSync>> choices(SgdSync) { return kSgdSyncNames; }
constexpr std::span<const Choice<ImplicitLoss>> choices(ImplicitLoss) { return kImplicitLossNames; }
constexpr std::span<const Choice<Split>> choices(Split) { return kSplitNames; }
constexpr std::span<const Choice<Gating>> choices(Gating) { return kGatingNames; }
constexpr std::span<const Choice<DelimiterChoice>> choices(DelimiterChoice) { return kDelimiterNames; }
constexpr std::span<const Choice<Header>> choices(Header) { return kHeaderNames; }
constexpr std::span<const Choice<DuplicatePolicy>> choices(DuplicatePolicy) { return kDuplicatePolicyNames; }

template <class E>
constexpr const char* name_of(E value) {
  for (const auto& c : choices(E{}))
    if (c.value == value) return c.name;
  return "?";
}

template <class E>
std::optional<E> choice_named(std::string_view name) {
  for (const auto& c : choices(E{}))
    if (name == c.name) return c.value;
  return std::nullopt;
}

// "a, b, c": for messages.
template <class E>
std::string choice_list() {
  std::string out;
  for (const auto& c : choices(E{})) out += (out.empty() ? "" : ", ") + std::string(c.name);
  return out;
}

// "a (what a does) | b | c": for --help.
template <class E>
std::string choice_help() {
  std::string out;
  for (const auto& c : choices(E{})) {
    out += (out.empty() ? "" : " | ") + std::string(c.name);
    if (*c.help) out += std::string(" (") + c.help + ")";
  }
  return out;
}

}  // namespace crossmf
