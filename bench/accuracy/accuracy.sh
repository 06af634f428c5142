#!/usr/bin/env bash
# Accuracy on public rating data (issue 18). For each data set: a seeded random 90/10 split by
# rating (split.py), imported with `crossmf import`; then, every metric computed from the output
# files by independent scripts (metrics.py, from the factors; never crossmf's own numbers):
#  - explicit: held-out RMSE of crossmf with its defaults (no model option) and with each line of
#    $TUNED_EXPLICIT, beside LIBMF (its defaults at k = 64, 20 iterations, and the best of a grid
#    over k, lambda and iterations, chosen on the test set: generous to the peer);
#  - implicit (ratings >= 4 are positives, every unseen item ranked): precision, recall and NDCG
#    at 10 of crossmf's defaults, at k = 64, 128 and 256, and of each line of $TUNED_IMPLICIT,
#    beside EASE (ease.py, the best of its lambda grid on the test set) where the item count
#    allows its dense inverse.
# usage: bash bench/accuracy/accuracy.sh NAME=FORMAT:FILE[:MIN_ITEM_RATINGS] ...
#   e.g. ml-1m=movielens-1m:/var/tmp/data/ml-1m/ratings.dat ml-100k=movielens-100k:/var/tmp/data/ml-100k/u.data
#        ciao=ciao:/var/tmp/data/ciao/rating_with_timestamp.tsv ciao-10=ciao:/var/tmp/data/ciao/rating_with_timestamp.tsv:10
#        filmtrust=filmtrust:/var/tmp/data/filmtrust/ratings.txt
#   (MIN_ITEM_RATINGS: only items with that many ratings, split.py --min-item-ratings)
# env: LIBMF (default /var/tmp/libmf/mf-train, built from LIBMF's public source: bench/README.md),
#      PARTS ("explicit implicit"), SEED (1), EASE_MAX_ITEMS (20000), THREADS (2),
#      TUNED_EXPLICIT, TUNED_IMPLICIT (option sets, one per line; defaults below)
source "$(dirname "$0")/../common.sh"
A=bench/accuracy
LIBMF=${LIBMF:-/var/tmp/libmf/mf-train}
parts=${PARTS:-"explicit implicit"}
seed=${SEED:-1}
# BMF with one rated prior and with none, the ALS and SGD defaults, ALS at its best lambda and
# at the one it chooses, and a longer, wider BMF chain.
TUNED_EXPLICIT=${TUNED_EXPLICIT:-"--rated-prior users
--rated-prior none
--algorithm als
--algorithm als --lambda 0.06
--algorithm als --lambda auto
--algorithm sgd --iterations 20
--factors 128 --iterations 300 --burn-in 100"}
# The implicit defaults before frequency scaling (HKV: lambda 0.1, alpha 1, no exponent), the
# fixed lambda 0.01 the search starts from, k 64 and 256, alpha searched too, then a small grid:
# the best lambda moves with the data.
TUNED_IMPLICIT=${TUNED_IMPLICIT:-"--factors 64 --alpha 1 --lambda 0.1 --lambda-exponent 0
--lambda 0.01
--factors 64
--factors 256
--alpha auto
--lambda 0.005
--lambda 0.02
--alpha 2 --lambda 0.015
--factors 256 --alpha 2 --lambda 0.015"}
threads=${THREADS:-2}
# --patience 0: the test set is the input's /test, and it must never steer training (no early stop
# on it); every other option is crossmf's default unless named.
# stdin from /dev/null: mpirun would read the option lists the loops below read.
train() { mpirun --bind-to none -np 1 "$CROSSMF" train --threads "$threads" --patience 0 --log-level warn "$@" 2>> "$log" < /dev/null; }

for spec in "$@"; do
  name=${spec%%=*} rest=${spec#*=}
  format=${rest%%:*} file=${rest#*:} min=0
  if [[ $file == *:* ]]; then min=${file##*:} file=${file%:*}; fi
  w="$DATA/accuracy/$name"
  log="$w/log.txt"
  mkdir -p "$w"
  : > "$log"
  echo "== $name ($format, $file)"
  "$PY" $A/split.py "$format" "$file" "$w" --seed "$seed" --min-item-ratings "$min"
  "$CROSSMF" import --ratings "$w/train.txt" --test "$w/test.txt" --output "$w/explicit.h5" --log-level warn
  "$CROSSMF" import --ratings "$w/train_pos.txt" --test "$w/test_pos.txt" --feedback implicit --output "$w/implicit.h5" \
    --log-level warn
  if [[ $parts == *explicit* ]]; then
    train --input "$w/explicit.h5" --output "$w/x.h5"
    echo "crossmf defaults                           $("$PY" $A/metrics.py explicit "$w/x.h5" "$w/test.txt")"
    while IFS= read -r opts; do
      [ -n "$opts" ] || continue
      train --input "$w/explicit.h5" --output "$w/x.h5" $opts
      printf "crossmf %-34s %s\n" "$opts" "$("$PY" $A/metrics.py explicit "$w/x.h5" "$w/test.txt")"
    done <<< "$TUNED_EXPLICIT"
    if [ -x "$LIBMF" ]; then
      libmf() {  # args: LIBMF options; prints the held-out RMSE of its model
        "$LIBMF" --quiet "$@" "$w/train.txt" "$w/libmf.model" > /dev/null
        "$(dirname "$LIBMF")/mf-predict" -e 0 "$w/test.txt" "$w/libmf.model" "$w/libmf.pred" | awk '{print $3}'
      }
      echo "libmf defaults, k 64, 20 iterations        rmse $(libmf -k 64 -t 20 -s "$threads")"
      best=""
      for k in 64 128 256; do
        for l2 in 0.03 0.05 0.1; do
          for t in 20 30 50; do
            r=$(libmf -k $k -l2 $l2 -t $t -s "$threads")
            best=$(printf "%s\n%s k %s l2 %s t %s\n" "$best" "$r" $k $l2 $t | sort -g | sed '/^$/d' | head -1)
          done
        done
      done
      echo "libmf best of k x l2 x iterations grid     rmse $best"
    else
      echo "libmf: $LIBMF not found, skipped"
    fi
  fi
  if [[ $parts == *implicit* ]]; then
    train --input "$w/implicit.h5" --output "$w/x.h5"
    echo "crossmf defaults                           $("$PY" $A/metrics.py implicit "$w/x.h5" "$w/train_pos.txt" "$w/test_pos.txt")"
    for k in 64 128 256; do
      train --input "$w/implicit.h5" --output "$w/x.h5" --factors $k
      printf "crossmf defaults, --factors %-14s %s\n" $k "$("$PY" $A/metrics.py implicit "$w/x.h5" "$w/train_pos.txt" "$w/test_pos.txt")"
    done
    while IFS= read -r opts; do
      [ -n "$opts" ] || continue
      train --input "$w/implicit.h5" --output "$w/x.h5" $opts
      printf "crossmf %-34s %s\n" "$opts" "$("$PY" $A/metrics.py implicit "$w/x.h5" "$w/train_pos.txt" "$w/test_pos.txt")"
    done <<< "$TUNED_IMPLICIT"
    items=$(cut -d' ' -f2 "$w/train_pos.txt" | sort -u | wc -l)
    if [ "$items" -le "${EASE_MAX_ITEMS:-20000}" ]; then
      "$PY" $A/ease.py "$w/train_pos.txt" "$w/test_pos.txt" 50 100 200 500 1000 2000 | sort -k9 -g
    else
      echo "ease: $items items, too many for its dense inverse here (EASE_MAX_ITEMS)"
    fi
  fi
done
