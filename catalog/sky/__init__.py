"""Sky geometry without the ORM: the HEALPix index and cone ranges (:mod:`.spatial`) and the
seed §2.2.2 radio cutout frame in closed form (:mod:`.geometry`)."""
