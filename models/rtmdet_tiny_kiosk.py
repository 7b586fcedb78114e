# RTMDet-tiny for the kiosk's counter camera, trained from scratch on generated counter scenes.
#
# Why RTMDet-tiny: a real-time one-stage, anchor-free detector (4.9M parameters) whose whole
# network (backbone + neck + head) exports to ONNX as plain convolutions; box decoding and NMS stay
# outside the graph, in numpy (app/vision/postprocess.py), shared by both kiosk backends. At
# 320x256 it runs in about 16 ms per frame on a 2-core CPU through onnxruntime
# (benchmarks/bench_detector.py).
#
# `selfcheckout train` fills in the classes, the data folders and the schedule; the values below are
# the committed demo model's.
_base_ = 'mmdet::rtmdet/rtmdet_tiny_8xb32-300e_coco.py'

# (width, height): frames are resized (long side 320, aspect kept) and padded. 320x256 holds both a
# 4:3 (320x240) and a 16:9 (320x180) frame, with 20% less work than 320x320.
input_size = (320, 256)
classes = ()  # filled from the catalog by `selfcheckout train` (the model card records them)
norm_cfg = dict(type='BN')  # SyncBN in the COCO config needs a distributed GPU run

model = dict(
    backbone=dict(norm_cfg=norm_cfg, init_cfg=None),  # from scratch: no weights can be downloaded
    neck=dict(norm_cfg=norm_cfg),
    bbox_head=dict(num_classes=len(classes) or 1, norm_cfg=norm_cfg),
    test_cfg=dict(nms_pre=1000, score_thr=0.05, nms=dict(type='nms', iou_threshold=0.6),
                  max_per_img=100),
)

# The scene generator already varies placement, rotation, scale, lighting, colour, blur and noise;
# flips would mirror the Korean label text and colour jitter would blur look-alike labels (Coke vs
# Coke Zero differ mostly in colour), so the pipeline only sizes the images.
train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='LoadAnnotations', with_bbox=True),
    dict(type='Resize', scale=input_size, keep_ratio=True),
    dict(type='Pad', size=input_size, pad_val=dict(img=(114, 114, 114))),
    dict(type='PackDetInputs'),
]
test_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='Resize', scale=input_size, keep_ratio=True),
    dict(type='Pad', size=input_size, pad_val=dict(img=(114, 114, 114))),
    dict(type='LoadAnnotations', with_bbox=True),
    dict(type='PackDetInputs', meta_keys=('img_id', 'img_path', 'ori_shape', 'img_shape',
                                          'scale_factor')),
]

data_root = 'data/scenes/'
train_dataloader = dict(
    batch_size=8, num_workers=1, persistent_workers=True,
    batch_sampler=None,
    dataset=dict(data_root=data_root, ann_file='train/annotations.json', data_prefix=dict(img='train/'),
                 metainfo=dict(classes=classes), filter_cfg=dict(filter_empty_gt=False),
                 pipeline=train_pipeline))
val_dataloader = dict(
    batch_size=8, num_workers=1, persistent_workers=True,
    dataset=dict(data_root=data_root, ann_file='val/annotations.json', data_prefix=dict(img='val/'),
                 metainfo=dict(classes=classes), test_mode=True, pipeline=test_pipeline))
test_dataloader = val_dataloader
val_evaluator = dict(ann_file=data_root + 'val/annotations.json')
test_evaluator = val_evaluator

max_iters = 6000
base_lr = 0.004
train_cfg = dict(_delete_=True, type='IterBasedTrainLoop', max_iters=max_iters, val_interval=max_iters)
optim_wrapper = dict(optimizer=dict(lr=base_lr))
param_scheduler = [
    dict(type='LinearLR', start_factor=1e-3, by_epoch=False, begin=0, end=300),
    dict(type='CosineAnnealingLR', eta_min=base_lr * 0.05, begin=max_iters // 2, end=max_iters,
         T_max=max_iters // 2, by_epoch=False, convert_to_iter_based=False),
]
custom_hooks = [
    dict(type='EMAHook', ema_type='ExpMomentumEMA', momentum=0.0002, update_buffers=True, priority=49),
]
default_hooks = dict(
    checkpoint=dict(type='CheckpointHook', by_epoch=False, interval=1000, max_keep_ckpts=2),
    logger=dict(type='LoggerHook', interval=50),
)
log_processor = dict(by_epoch=False)
auto_scale_lr = dict(enable=False)
