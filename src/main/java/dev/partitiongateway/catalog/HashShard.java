package dev.partitiongateway.catalog;

import java.util.ArrayList;
import java.util.List;

/**
 * The slice of a partition's ids that one shard owns: the ids whose {@link #hash} modulo
 * {@code modulus} is {@code residue}. An unsplit partition is the one shard {@link #WHOLE} (1, 0).
 * Splitting (m, r) into K gives (m*K, r + j*m) for j = 0..K-1, which own exactly the ids of (m, r)
 * between them; so the routable shards of a key, produced only by splits, always tile the hash space.
 */
public record HashShard(int modulus, int residue) {

    public static final HashShard WHOLE = new HashShard(1, 0);
    /** The finest cut allowed: keeps placement names short and the shard count of a key sane. */
    public static final int MAX_MODULUS = 4096;

    public HashShard {
        if (modulus < 1 || modulus > MAX_MODULUS || residue < 0 || residue >= modulus) {
            throw new IllegalArgumentException("not a shard: " + residue + " mod " + modulus);
        }
    }

    /** The stable hash of an id: murmur3_32 (x86, seed 0) of its UTF-8 bytes, unsigned, the function shared buckets use. */
    public static long hash(String id) {
        return Integer.toUnsignedLong(SharedBuckets.murmur3(id));
    }

    public boolean owns(String id) {
        return hash(id) % modulus == residue;
    }

    public boolean whole() {
        return modulus == 1;
    }

    /** Whether a split into {@code into} shards stays within {@link #MAX_MODULUS}. */
    public boolean canSplit(int into) {
        return into >= 2 && (long) modulus * into <= MAX_MODULUS;
    }

    /** The {@code into} shards that own exactly this shard's ids. */
    public List<HashShard> split(int into) {
        if (!canSplit(into)) {
            throw new IllegalArgumentException("shard " + this + " cannot be split into " + into);
        }
        List<HashShard> shards = new ArrayList<>(into);
        for (int j = 0; j < into; j++) {
            shards.add(new HashShard(modulus * into, residue + j * modulus));
        }
        return shards;
    }

    /** Appended to the key's placement name: nothing for the whole key, else {@code _s<modulus>_<residue>}. */
    public String placementSuffix() {
        return whole() ? "" : "_s" + modulus + "_" + residue;
    }

    /** The routable shard among these that owns {@code id}, or {@code null} if none does. */
    public static PartitionView ownerOf(List<PartitionView> shards, String id) {
        long h = hash(id);
        for (PartitionView p : shards) {
            if (p.state().routable() && h % p.shard().modulus() == p.shard().residue()) {
                return p;
            }
        }
        return null;
    }

    @Override
    public String toString() {
        return residue + "/" + modulus;
    }
}
