#!/usr/bin/env bash
# Accuracy on public rating data (issue 18). For each data set: a seeded random 90/10 split by
# rating (split.py), imported with `crossmf import`; then, every metric computed from the output
# files by independent scripts (metrics.py, from the factors; never crossmf's own numbers):
#  - explicit: held-out RMSE of crossmf with its defaults (no model option) and with the
#    settings in $TUNED_EXPLICIT, beside LIBMF (its defaults at k = 64, 20 iterations, and the
#    best of a grid over k, lambda and iterations, chosen on the test set: generous to the peer);
#  - implicit (ratings >= 4 are positives, every unseen item ranked): precision, recall and NDCG
#    at 10 of crossmf's defaults, of $TUNED_IMPLICIT, and at k = 64 and 128, beside EASE (ease.py,
#    the best of its lambda grid on the test set) where the item count allows its dense inverse.
# usage: bash bench/accuracy/accuracy.sh NAME=FORMAT:FILE ...
#   e.g. ml-1m=movielens-1m:/var/tmp/data/ml-1m/ratings.dat ml-100k=movielens-100k:/var/tmp/data/ml-100k/u.data
#        ciao=ciao:/var/tmp/data/ciao/rating_with_timestamp.tsv
# env: LIBMF (default /var/tmp/libmf/mf-train, built from LIBMF's public source: bench/README.md),
#      PARTS ("explicit implicit"), SEED (1), EASE_MAX_ITEMS (20000)
source "$(dirname "$0")/../common.sh"
A=bench/accuracy
LIBMF=${LIBMF:-/var/tmp/libmf/mf-train}
parts=${PARTS:-"explicit implicit"}
seed=${SEED:-1}
TUNED_EXPLICIT=${TUNED_EXPLICIT:-}
TUNED_IMPLICIT=${TUNED_IMPLICIT:-}
threads=${THREADS:-2}
train() { mpirun --bind-to none -np 1 "$CROSSMF" train --threads "$threads" --log-level warn "$@" 2>> "$log"; }

for spec in "$@"; do
  name=${spec%%=*} rest=${spec#*=}
  format=${rest%%:*} file=${rest#*:}
  w="$DATA/accuracy/$name"
  log="$w/log.txt"
  mkdir -p "$w"
  : > "$log"
  echo "== $name ($format, $file)"
  "$PY" $A/split.py "$format" "$file" "$w" --seed "$seed"
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
    for k in 64 128; do
      train --input "$w/implicit.h5" --output "$w/x.h5" --factors $k
      echo "crossmf defaults, --factors $k             $("$PY" $A/metrics.py implicit "$w/x.h5" "$w/train_pos.txt" "$w/test_pos.txt")"
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
