// A campaign's lift written as HDF5 (groups /lift/products, /lift/segments, /lift/overall, one
// dataset per column; names in io/schema.h) and as one CSV of the same rows. Written by one
// process, into the temporary files of AtomicOutputs.
#pragma once
#include <string>
#include <vector>

#include "io/id_keys.h"
#include "src/numerics/uplift.h"

namespace crossmf {

// Rows of one lift group: the two groups' counts and their comparison.
struct LiftRows {
  std::vector<ArmCounts> contacted, control;
  std::vector<Uplift> uplift;
  void add(const ArmCounts& t, const ArmCounts& c) {
    contacted.push_back(t);
    control.push_back(c);
    uplift.push_back(compare(t, c));
  }
};

struct LiftReport {
  LiftRows products, segments, overall;
  std::vector<index_t> product_item;         // dense item index of each product row
  IdSlice product_id;                        // its external id, one row each (integers or strings)
  std::vector<std::string> product_domain;
  std::vector<std::int32_t> segment;         // segment of each segment row
  // Provenance and what the outcome rows held, as attributes of /lift.
  std::string config, audiences, outcomes;
  count_t outcome_rows = 0, unknown_users = 0, unknown_products = 0, outside_audiences = 0, repeated_pairs = 0;
};

// Throws Error(Exit::io) naming the file when it cannot be written.
void write_lift_h5(const LiftReport& report, const std::string& path);
// Columns: level (product, segment, overall), key (the product's id, the segment, "all"),
// domain, then the statistics columns of the HDF5 groups. NaN as "NaN"; numbers round-trip.
void write_lift_csv(const LiftReport& report, const std::string& path);

}  // namespace crossmf
