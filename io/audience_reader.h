// The audiences of a trained output read back whole on one process (lift): every product's
// members and control flags, the users' segments, and the external ids that outcomes name.
// Per-audience sized, except the ids and segments (one per user).
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "io/id_keys.h"
#include "io/id_map.h"

namespace crossmf {

struct AudienceFile {
  int width = 0;                        // members per product (A)
  std::vector<std::string> domain;      // per product: its /audiences group
  std::vector<index_t> items;           // per product: dense item index
  std::vector<index_t> users;           // [products, A]: dense user index, -1 padding
  std::vector<std::uint8_t> control;    // [products, A]: 1 = control (not contacted)
  std::vector<std::int32_t> segment;    // per user; -1: none
  std::int32_t segments = 0;
  IdSlice item_ids;                     // /items/id, every row
  IdMap user_index{"user"}, item_index{"item"};  // external id text -> dense index
  count_t products() const { return static_cast<count_t>(items.size()); }
};

// Reads `path` on this process alone (MPI_COMM_SELF); `option` names it in messages. Refuses a
// file that is not a crossmf output, is of a newer format, or has no audiences or ids
// (Exit::usage), and damaged shapes or values (Exit::data), naming the dataset.
AudienceFile read_audience_file(const std::string& path, const std::string& option);

}  // namespace crossmf
